import { ApplicationFailure, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { ExportCursor } from '../../activities/datasets/export.js';
import type { ExportFormat } from '../../datafiles/export-formats.js';
import { exportStateQuery } from '../defs.js';
import { rootMessage } from '../failures.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';
import { percent } from './import.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
});
const bestEffort = proxyActivities<activities.Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

const ROWS_PER_ACTIVITY = 20_000;

export interface ExportInput {
  dataset: string;
  format: ExportFormat;
  limit: number | null;
  /** The seed's filter object (metadata keys by name), validated by the API. */
  filters: unknown;
  started_at: string;
}

export interface ExportState {
  job_id: string;
  dataset_id: string;
  status: 'running' | 'completed' | 'failed';
  total_vectors: number;
  exported_vectors: number;
  started_at: string;
  completed_at: string | null;
  format: ExportFormat;
  download_url: string | null;
  file_size: number | null;
  progress_percentage: number;
  filters: unknown;
  limit: number | null;
  error: string | null;
}

/**
 * Exports a dataset's blue collection (optionally filtered and limited): points are paged into
 * Parquet parts (one activity each), then turned into the requested format.
 */
export async function exportWorkflow(input: ExportInput): Promise<ExportState> {
  const jobId = workflowInfo().workflowId;
  const state: ExportState = {
    job_id: jobId,
    dataset_id: input.dataset,
    status: 'running',
    total_vectors: 0,
    exported_vectors: 0,
    started_at: input.started_at,
    completed_at: null,
    format: input.format,
    download_url: null,
    file_size: null,
    progress_percentage: 0,
    filters: input.filters ?? null,
    limit: input.limit,
    error: null,
  };
  setHandler(exportStateQuery, () => state);
  labelJob('export', input.dataset, 'running');
  try {
    const { ref, total } = await act.prepareExport({
      dataset: input.dataset,
      filters: input.filters,
      limit: input.limit,
    });
    state.total_vectors = total;
    let at: ExportCursor = { cursor: null, rows: 0, part: 0, done: false };
    while (!at.done) {
      at = await act.exportRows({
        jobId,
        ref,
        filters: input.filters,
        limit: input.limit,
        from: at,
        maxRows: ROWS_PER_ACTIVITY,
      });
      state.exported_vectors = at.rows;
      state.progress_percentage = Math.min(99, percent(at.rows, Math.max(at.rows, total)));
    }
    const { bytes } = await act.finishExport({ jobId, format: input.format });
    state.file_size = bytes;
    state.download_url = `/api/v1/export/${jobId}/download`;
    state.status = 'completed';
    state.progress_percentage = 100;
  } catch (err) {
    state.status = 'failed';
    state.error = isCancellation(err) ? 'canceled' : rootMessage(err);
    setJobStatus('failed');
    if (isCancellation(err)) throw err;
  }
  state.completed_at = new Date().toISOString();
  setJobStatus(state.status);
  await bestEffort
    .recordJobMetrics({
      kind: 'export',
      format: input.format,
      status: state.status,
      startedAt: state.started_at,
      rows: { exported: state.exported_vectors },
      bytes: state.file_size ?? 0,
    })
    .catch(() => undefined);
  if (state.status === 'failed') throw ApplicationFailure.nonRetryable(state.error ?? 'export failed', 'ExportFailed');
  return state;
}
