import type { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import { reindexStateQuery } from '../../workflows/defs.js';
import { reindexWorkflow } from '../../workflows/index.js';
import type { ReindexInput } from '../../workflows/reindex/state.js';
import type { ApiDeps } from '../deps.js';
import {
  noWorkerAnswer,
  WrongJobTypeError,
  cancelJob,
  describeJob,
  jobStatus,
  newJobId,
  queryState,
  startOnce,
} from '../jobs.js';
import type { ReindexBody } from './schemas.js';

/**
 * Reindex tasks, for the API and the CLI alike: the task id is the workflow id; the state comes
 * from the workflow's query.
 */
export class ReindexService {
  constructor(private readonly deps: ApiDeps) {}

  async start(body: z.infer<typeof ReindexBody>): Promise<Record<string, unknown>> {
    const id = body.task_id ?? body.id ?? newJobId();
    try {
      return await this.get(id);
    } catch (err) {
      if (err instanceof WrongJobTypeError)
        throw new ConflictError(`task id ${JSON.stringify(id)} is already used by another kind of task`);
      if (!(err instanceof NotFoundError)) throw err;
    }
    const { collection, source, dest } = body;
    if (source.embedding_model_id === dest.embedding_model_id)
      throw new ValidationError('source and dest are the same model', [
        { field: 'body.dest.embedding_model_id', message: 'same as source' },
      ]);
    if (!this.deps.config.models.some((m) => m.id === dest.embedding_model_id))
      throw new NotFoundError(`unknown embedding model ${JSON.stringify(dest.embedding_model_id)}`);
    const [entry] = await (await this.deps.store.get()).catalog(collection);
    if (!entry?.models.some((m) => m.model === source.embedding_model_id)) {
      throw new NotFoundError(`collection ${collection} has no model ${source.embedding_model_id}`);
    }
    const { task_id: _t, id: _i, ...rest } = body;
    const input: ReindexInput = { ...rest, created_at: new Date().toISOString() };
    await startOnce(this.deps, reindexWorkflow, { workflowId: id, input, kind: 'reindex', collection });
    return this.get(id);
  }

  async get(id: string): Promise<Record<string, unknown>> {
    const desc = await describeJob(this.deps.temporal, id, reindexWorkflow);
    const state = await queryState(this.deps.temporal, id, reindexStateQuery);
    if (!state) return noWorkerAnswer(desc, id);
    return { id, ...state, status: jobStatus(desc, state.status) };
  }

  async cancel(id: string): Promise<Record<string, unknown>> {
    await cancelJob(this.deps.temporal, await describeJob(this.deps.temporal, id, reindexWorkflow));
    return this.get(id);
  }
}
