import {
  ApplicationFailure,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { RowFailure } from '../../activities/datasets/import-chunk.js';
import type { PreparedImport } from '../../activities/datasets/prepare-import.js';
import type { Cursor } from '../../datafiles/readers.js';
import type { SourceFormat } from '../../datafiles/sources.js';
import { importStateQuery } from '../defs.js';
import { rootMessage } from '../failures.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 hours',
  // Chunks heartbeat after every batch and every 5 s; a dead worker is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
});
const bestEffort = proxyActivities<activities.Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

export interface ImportInput {
  dataset: string;
  file: string;
  name: string;
  format: SourceFormat | null;
  batch_size: number;
  skip_existing: boolean;
  embedding_model_id?: string;
  max_errors: number;
  started_at: string;
  /** For retry-failed: the job whose dead-letter rows this imports. */
  retry_of?: string;
  index_name?: 'row' | 'line';
  /** Rows per chunk activity and chunks per run before continue-as-new (defaults suit real files; tests lower them). */
  chunk_rows?: number;
  chunks_per_run?: number;
  /** Carried over continue-as-new. */
  resume?: { state: ImportState; prepared: PreparedImport; cursor: Cursor; chunk: number; deadLetters: string[] };
}

export type ImportStatus = 'running' | 'completed' | 'completed_with_errors' | 'failed';

export interface ImportState {
  job_id: string;
  dataset_id: string;
  status: ImportStatus;
  total_rows: number;
  processed_rows: number;
  successful_rows: number;
  failed_rows: number;
  skipped_rows: number;
  errors: RowFailure[];
  started_at: string;
  completed_at: string | null;
  format: SourceFormat | null;
  progress_percentage: number;
  model: string | null;
  duplicate_ids: number;
  dead_letter_url: string | null;
  retry_of: string | null;
  batch_size: number;
  skip_existing: boolean;
  error: string | null;
}

const CHUNKS_PER_RUN = 200;

export const percent = (done: number, total: number): number =>
  total > 0 ? Math.min(100, Math.round((done * 1000) / total) / 10) : 100;

/**
 * Imports a file into a dataset: plan it (rows, duplicate ids, dimension; create the dataset),
 * then chunks of rows as heartbeating activities from a cursor, then the dead-letter file.
 * Failed rows are counted and listed (capped); all of them are in the dead-letter file.
 */
export async function importWorkflow(input: ImportInput): Promise<ImportState> {
  const jobId = workflowInfo().workflowId;
  const state: ImportState = input.resume?.state ?? {
    job_id: jobId,
    dataset_id: input.dataset,
    status: 'running',
    total_rows: 0,
    processed_rows: 0,
    successful_rows: 0,
    failed_rows: 0,
    skipped_rows: 0,
    errors: [],
    started_at: input.started_at,
    completed_at: null,
    format: input.format,
    progress_percentage: 0,
    model: null,
    duplicate_ids: 0,
    dead_letter_url: null,
    retry_of: input.retry_of ?? null,
    batch_size: input.batch_size,
    skip_existing: input.skip_existing,
    error: null,
  };
  setHandler(importStateQuery, () => state);
  labelJob('import', input.dataset, 'running');
  let deadLetters = input.resume?.deadLetters ?? [];
  let bytes = input.resume?.prepared.bytes ?? 0;
  try {
    const prepared =
      input.resume?.prepared ??
      (await act.prepareImport({
        jobId,
        dataset: input.dataset,
        file: input.file,
        name: input.name,
        format: input.format,
        embeddingModelId: input.embedding_model_id,
        indexName: input.index_name,
      }));
    bytes = prepared.bytes;
    Object.assign(state, {
      format: prepared.plan.format,
      total_rows: prepared.plan.total,
      model: prepared.target.model,
      duplicate_ids: prepared.plan.duplicates,
    });
    let cursor = input.resume?.cursor ?? { pos: 0, index: 0 };
    const rows = input.chunk_rows ?? Math.min(20_000, Math.max(2_000, input.batch_size * 20));
    for (let chunk = input.resume?.chunk ?? 0, run = 0; ; chunk++, run++) {
      if (run >= (input.chunks_per_run ?? CHUNKS_PER_RUN)) {
        await continueAsNew<typeof importWorkflow>({
          ...input,
          resume: { state, prepared, cursor, chunk, deadLetters },
        });
      }
      const r = await act.importChunk({
        jobId,
        chunk,
        plan: prepared.plan,
        dataset: input.dataset,
        dimension: prepared.target.dimension,
        embeds: prepared.embeds,
        skipExisting: input.skip_existing,
        batchSize: input.batch_size,
        from: cursor,
        rows,
        maxErrors: Math.max(0, input.max_errors - state.errors.length),
      });
      state.processed_rows += r.processed;
      state.successful_rows += r.successful;
      state.failed_rows += r.failed;
      state.skipped_rows += r.skipped;
      state.errors.push(...r.errors);
      state.progress_percentage = percent(state.processed_rows, state.total_rows);
      if (r.deadLetter) deadLetters.push(r.deadLetter);
      cursor = r.next;
      if (r.done) break;
    }
    const dead = await act.finishImport({ jobId, deadLetters, upload: input.file });
    deadLetters = [];
    state.dead_letter_url = dead ? `/api/v1/import/${jobId}/failed-rows` : null;
    state.status =
      state.failed_rows === 0
        ? 'completed'
        : state.successful_rows + state.skipped_rows > 0
          ? 'completed_with_errors'
          : 'failed';
    if (state.status === 'failed') state.error = `none of the ${state.total_rows} rows could be imported`;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    state.status = 'failed';
    state.error = isCancellation(err) ? 'canceled' : rootMessage(err);
    setJobStatus('failed');
    if (isCancellation(err)) throw err;
  }
  state.completed_at = new Date().toISOString();
  state.progress_percentage = state.status === 'failed' ? state.progress_percentage : 100;
  setJobStatus(state.status);
  await bestEffort
    .recordJobMetrics({
      kind: 'import',
      format: state.format ?? 'unknown',
      status: state.status,
      startedAt: state.started_at,
      rows: { successful: state.successful_rows, failed: state.failed_rows, skipped: state.skipped_rows },
      bytes: bytes,
    })
    .catch(() => undefined);
  if (state.status === 'failed') throw ApplicationFailure.nonRetryable(state.error ?? 'import failed', 'ImportFailed');
  return state;
}
