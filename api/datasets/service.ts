import { copyFile, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import bytes from 'bytes';
import type { Request } from 'express';
import type { z } from 'zod';
import type { CleanupResult } from '../../activities/datasets/cleanup.js';
import { DEAD_LETTER } from '../../activities/datasets/jobs.js';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../../core/errors.js';
import { parseFilter } from '../../core/filter.js';
import { JobFiles, type JobKind } from '../../core/job-files.js';
import { assertName } from '../../core/names.js';
import { COLLECTION } from '../../core/search-attributes.js';
import { CONTENT_TYPE, EXPORT_FILE } from '../../datafiles/export-formats.js';
import { detectFormat } from '../../datafiles/readers.js';
import { datasetFilter } from '../../datafiles/rows.js';
import type { QueryDefinition } from '@temporalio/common';
import type { ExportInput } from '../../workflows/datasets/export.js';
import type { ImportInput, ImportState } from '../../workflows/datasets/import.js';
import { exportStateQuery, importStateQuery } from '../../workflows/defs.js';
import { cleanupWorkflowId } from '../../workflows/ids.js';
import { cleanupJobsWorkflow, exportWorkflow, importWorkflow } from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';
import {
  type JobWorkflow,
  NO_WORKER,
  closedStatus,
  createdAt,
  describeJob,
  newJobId,
  queryState,
  startOnce,
} from '../jobs.js';
import { parse } from '../validate.js';
import { type ExportBody, RetryBody, importFields } from './schemas.js';
import { receiveUpload } from './upload.js';

const JOBS = {
  import: { workflow: importWorkflow, state: importStateQuery },
  export: { workflow: exportWorkflow, state: exportStateQuery },
} as const;

// Import and export jobs over Temporal; their files live under <data dir>/jobs (JobFiles).
export class DatasetService {
  readonly files: JobFiles;
  private readonly uploadLimit: number;

  constructor(private readonly deps: ApiDeps) {
    this.files = new JobFiles(deps.config);
    this.uploadLimit = bytes.parse(deps.config.env.VECFLOW_UPLOAD_LIMIT)!; // validated with the config
  }

  /** Receives the upload, then starts the import job on it. */
  async startImport(req: Request, datasetId: string): Promise<Record<string, unknown>> {
    const dataset = assertName('collection', datasetId);
    const id = newJobId();
    const dir = this.files.dir('import', id);
    await mkdir(dir, { recursive: true });
    const upload = await receiveUpload(req, dir, this.uploadLimit);
    await this.files.publish(upload.file);
    return this.startImportJob(id, dataset, upload.file, upload.name, upload.fields);
  }

  private async startImportJob(
    id: string,
    dataset: string,
    file: string,
    name: string,
    fields: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const f = parse(importFields(this.deps.config.env.VECFLOW_IMPORT_MAX_BATCH), fields, 'body');
    if (f.embedding_model_id) assertName('model', f.embedding_model_id);
    const input: ImportInput = {
      dataset,
      file,
      name,
      format: f.format ?? (await detectFormat(file, name)),
      batch_size: f.batch_size,
      skip_existing: f.skip_existing,
      embedding_model_id: f.embedding_model_id,
      max_errors: this.deps.config.env.VECFLOW_IMPORT_MAX_ERRORS,
      started_at: new Date().toISOString(),
    };
    await startOnce(this.deps, importWorkflow, { workflowId: id, input, kind: 'import', collection: dataset });
    return this.getImport(id);
  }

  /** A job's state, or (no worker answering) what Temporal's own record says of it. */
  private async job<S>(
    kind: JobKind,
    id: string,
    job: { workflow: JobWorkflow<never>; state: QueryDefinition<S> },
  ): Promise<{ state: S | null; fallback: Record<string, unknown> }> {
    this.files.dir(kind, id); // a job id is a UUID: anything else is simply not found
    const desc = await describeJob(this.deps.temporal, id, job.workflow);
    const state = await queryState(this.deps.temporal, id, job.state);
    const closed = closedStatus(desc);
    const status = closed === null ? 'running' : closed === 'done' ? 'completed' : 'failed';
    return {
      state,
      fallback: {
        job_id: id,
        dataset_id: desc.typedSearchAttributes.get(COLLECTION) ?? null,
        status,
        started_at: createdAt(desc),
        completed_at: desc.closeTime?.toISOString() ?? null,
        detail: NO_WORKER,
      },
    };
  }

  async getImport(id: string): Promise<Record<string, unknown>> {
    const { state, fallback } = await this.job('import', id, JOBS.import);
    return state ? { ...state } : fallback;
  }

  /** An import's own state; 503 while no worker answers for it. */
  private async importState(id: string): Promise<ImportState> {
    const { state } = await this.job('import', id, JOBS.import);
    if (!state) throw new UnavailableError(NO_WORKER);
    return state;
  }

  /** The failed rows of an import (JSONL of {row|line, error, data}). */
  async deadLetter(id: string): Promise<string> {
    const state = await this.importState(id);
    if (state.status === 'running')
      throw new ConflictError(`import ${id} is still running; its failed rows are ready when it ends`);
    if (!state.dead_letter_url) throw new NotFoundError(`import ${id} has no failed rows`);
    return this.files.localize(path.join(this.files.dir('import', id), DEAD_LETTER), true);
  }

  /** Imports the failed rows of a finished import again, as a new job (original row numbers kept). */
  async retryFailed(id: string, body: unknown): Promise<Record<string, unknown>> {
    const b = parse(RetryBody, body, 'body');
    const original = await this.importState(id);
    const source = await this.deadLetter(id);
    const retryId = newJobId();
    const file = path.join(this.files.dir('import', retryId), 'upload.jsonl');
    await mkdir(path.dirname(file), { recursive: true });
    await copyFile(source, file);
    await this.files.publish(file);
    const batch = b.batch_size ?? original.batch_size ?? 100;
    if (batch > this.deps.config.env.VECFLOW_IMPORT_MAX_BATCH)
      throw new ValidationError(`body.batch_size: at most ${this.deps.config.env.VECFLOW_IMPORT_MAX_BATCH}`);
    const input: ImportInput = {
      dataset: original.dataset_id,
      file,
      name: 'dead-letter.jsonl',
      format: 'dead-letter',
      batch_size: batch,
      skip_existing: b.skip_existing ?? original.skip_existing ?? false,
      max_errors: this.deps.config.env.VECFLOW_IMPORT_MAX_ERRORS,
      started_at: new Date().toISOString(),
      retry_of: id,
      index_name: original.format === 'jsonl' ? 'line' : 'row',
    };
    await startOnce(this.deps, importWorkflow, {
      workflowId: retryId,
      input,
      kind: 'import',
      collection: original.dataset_id,
    });
    return this.getImport(retryId);
  }

  async startExport(datasetId: string, body: z.infer<typeof ExportBody>): Promise<Record<string, unknown>> {
    const dataset = assertName('collection', datasetId);
    let filters: unknown = body.filters;
    if (typeof filters === 'string') {
      try {
        filters = filters.trim() ? JSON.parse(filters) : undefined;
      } catch (err) {
        throw new ValidationError(`body.filters is not valid JSON: ${(err as Error).message}`, [
          { field: 'body.filters', message: 'invalid JSON' },
        ]);
      }
    }
    parseFilter(datasetFilter(filters)); // a bad filter is the request's fault: 400 now, not a failed job
    const [entry] = await (await this.deps.store.get()).catalog(dataset);
    if (!entry?.blue) throw new NotFoundError(`dataset ${dataset} does not exist`);
    const id = newJobId();
    const input: ExportInput = {
      dataset,
      format: body.format,
      limit: body.limit ?? null,
      filters: filters ?? null,
      started_at: new Date().toISOString(),
    };
    await startOnce(this.deps, exportWorkflow, { workflowId: id, input, kind: 'export', collection: dataset });
    return this.getExport(id);
  }

  async getExport(id: string): Promise<Record<string, unknown>> {
    const { state, fallback } = await this.job('export', id, JOBS.export);
    return state ? { ...state } : fallback;
  }

  /** The finished export's file, its size and content type. */
  async exportFile(id: string): Promise<{ file: string; size: number; contentType: string; name: string }> {
    const { state } = await this.job('export', id, JOBS.export);
    if (!state) throw new UnavailableError(NO_WORKER);
    if (state.status !== 'completed')
      throw new ConflictError(`export ${id} is ${state.status}: there is nothing to download yet`);
    const file = await this.files.localize(path.join(this.files.dir('export', id), EXPORT_FILE[state.format]), true);
    const s = await stat(file).catch(() => null);
    if (!s) throw new NotFoundError(`the file of export ${id} is gone (cleaned up)`);
    return {
      file,
      size: s.size,
      contentType: CONTENT_TYPE[state.format],
      name: `${state.dataset_id}-${id}${path.extname(file)}`,
    };
  }

  /** Runs a cleanup now and waits for its result. */
  async cleanup(maxAgeHours: number): Promise<CleanupResult> {
    return this.deps.temporal.workflow.execute(cleanupJobsWorkflow, {
      workflowId: cleanupWorkflowId(newJobId()),
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      args: [{ max_age_hours: maxAgeHours }],
      workflowExecutionTimeout: '10 minutes',
    });
  }
}
