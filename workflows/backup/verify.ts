import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { VerifyReport } from '../../activities/backup/verify.js';
import type { BackupLocation } from '../../core/backup.js';
import { type VerifyState, verifyStateQuery } from '../defs.js';
import { labelJob, setJobStatus } from '../job-attributes.js';

const { verifyBackup } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 hours',
  retry: { maximumAttempts: 5 },
});

/** Checks a backup's files against its manifest without restoring anything; fails when they differ. */
export async function verifyBackupWorkflow(input: { from: BackupLocation; created_at: string }): Promise<VerifyReport> {
  let state: VerifyState = {
    status: 'processing',
    report: null,
    created_at: input.created_at,
  };
  setHandler(verifyStateQuery, () => state);
  labelJob('verify', '*', 'processing');
  const report = await verifyBackup({ id: workflowInfo().workflowId, from: input.from });
  state = { ...state, status: report.ok ? 'done' : 'failed', report };
  setJobStatus(state.status);
  if (!report.ok) {
    const bad = [
      ...report.problems,
      ...report.files.filter((f) => !f.ok).map((f) => `${f.name}: ${f.problems.join(', ')}`),
    ];
    throw ApplicationFailure.nonRetryable(`backup verification failed: ${bad.join('; ')}`, 'VerificationFailed');
  }
  return report;
}
