import { executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { RetentionPolicy } from '../../activities/backup/verify.js';
import { type BackupLocation, backupStamp } from '../../core/backup.js';
import { type ScheduledBackupState, scheduledBackupStateQuery } from '../defs.js';
import { scheduledBackupChildId } from '../ids.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { type BackupInput, backupWorkflow } from './backup.js';

const { applyRetention } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 minutes',
  retry: { maximumAttempts: 10 },
});

export interface ScheduledBackupInput {
  base: BackupLocation;
  collections?: string[];
  batch_size?: number;
  source?: BackupInput['source'];
  langchain?: BackupInput['langchain'];
  retention: RetentionPolicy;
  vecflow_version: string;
  /** The schedule's id: its backups say so in their manifests, and its retention touches only those. */
  schedule_id?: string;
}

/** One run of a backup schedule: a backup into `<base>/<YYYYMMDD_HHMMSS>/`, then retention. */
export async function scheduledBackupWorkflow(
  input: ScheduledBackupInput,
): Promise<{ backup: string; deleted: string[] }> {
  const now = new Date();
  const stamp = backupStamp(now);
  const state: ScheduledBackupState = { stamp, status: 'processing', deleted: [] };
  setHandler(scheduledBackupStateQuery, () => state);
  labelJob('scheduled-backup', input.collections?.join(',') || '*', 'processing');
  const location: BackupLocation = {
    ...(input.base.dir !== undefined
      ? { dir: input.base.dir ? `${input.base.dir.replace(/\/+$/, '')}/${stamp}` : stamp }
      : {}),
    ...(input.base.s3
      ? {
          s3: {
            bucket: input.base.s3.bucket,
            prefix: `${input.base.s3.prefix.replace(/\/+$/, '')}/${stamp}`.replace(/^\//, ''),
          },
        }
      : {}),
  };
  await executeChild(backupWorkflow, {
    workflowId: scheduledBackupChildId(workflowInfo().workflowId, stamp),
    memo: { created_at: now.toISOString() }, // the job's one creation time, as the API's starts keep it
    args: [
      {
        location,
        collections: input.collections,
        batch_size: input.batch_size,
        ...(input.source ? { source: input.source, langchain: input.langchain } : {}),
        created_at: now.toISOString(),
        vecflow_version: input.vecflow_version,
        ...(input.schedule_id ? { schedule_id: input.schedule_id } : {}),
      },
    ],
  });
  state.deleted = await applyRetention({
    base: input.base,
    policy: input.retention,
    current: stamp,
    now: now.toISOString(),
    ...(input.schedule_id ? { schedule_id: input.schedule_id } : {}),
  });
  state.status = 'done';
  setJobStatus('done');
  return { backup: stamp, deleted: state.deleted };
}
