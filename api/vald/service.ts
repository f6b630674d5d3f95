import { randomUUID } from 'node:crypto';
import type { ValdWriteInput } from '../../activities/vald.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { StagingArea } from '../../core/staging.js';
import type { TsOperator, ValdOp, ValdRequest, ValdResult } from '../../core/vald.js';
import { parseRequest, parseTimestamp, status } from '../../core/vald.js';
import { assertPointId } from '../../core/point-id.js';
import { nowNs } from '../../core/time.js';
import { valdWorkflowId } from '../../workflows/ids.js';
import {
  valdFlushWorkflow,
  valdRemoveByTimestampWorkflow,
  valdUpdateTimestampWorkflow,
  valdWriteWorkflow,
} from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';

// Runs Vald requests as workflows and waits for their results. Requests are validated here
// (INVALID_ARGUMENT never costs a workflow); large batches travel staged, not through history.
const INLINE_LIMIT = 256 * 1024;

export class ValdService {
  private readonly staging: StagingArea;

  constructor(private readonly deps: ApiDeps) {
    this.staging = new StagingArea(deps.config.dataDir);
  }

  /** The collection's blue dimension; NotFound for an unknown collection. */
  async dimension(collection: string): Promise<{ dimension: number; model: string }> {
    const store = await this.deps.store.get();
    const [entry] = await store.catalog(collection);
    const blue = entry?.models.find((m) => m.model === entry.blue);
    if (!blue) throw new NotFoundError(`collection ${collection} does not exist or has no blue model`);
    return { dimension: blue.dimension, model: blue.model };
  }

  /** Validates and applies a list of raw requests; returns one result per request, in order. */
  async apply(collection: string, op: ValdOp, raws: unknown[]): Promise<ValdResult[]> {
    const { dimension } = await this.dimension(collection);
    const now = nowNs();
    const results: (ValdResult | undefined)[] = new Array(raws.length);
    const valid: { index: number; req: ValdRequest }[] = [];
    raws.forEach((raw, index) => {
      try {
        valid.push({ index, req: parseRequest(op, raw, now + BigInt(index), dimension) });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        results[index] = status('INVALID_ARGUMENT', err.message, (err.details as { field?: string })?.field);
      }
    });
    if (valid.length) {
      const out = await this.run(
        collection,
        op,
        valid.map((v) => v.req),
      );
      valid.forEach((v, k) => (results[v.index] = out[k]));
    }
    return results as ValdResult[];
  }

  private async run(collection: string, op: ValdOp, requests: ValdRequest[]): Promise<ValdResult[]> {
    const size = requests.reduce((n, r) => n + (r.vector?.length ?? 0) + r.id.length + 64, 0);
    const staged =
      size > INLINE_LIMIT ? await this.staging.stage('vald', requests, 1000, { collection, op }) : undefined;
    const input: ValdWriteInput = staged ? { collection, op, staged } : { collection, op, requests };
    try {
      const results = await this.deps.temporal.workflow.execute(valdWriteWorkflow, {
        workflowId: valdWorkflowId(op, randomUUID()),
        taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
        args: [input],
      });
      return results ?? (await this.staging.readResults<ValdResult>(staged!));
    } finally {
      if (staged) await this.staging.remove(staged);
    }
  }

  async removeByTimestamp(
    collection: string,
    conditions: { operator: TsOperator; timestamp: string }[],
  ): Promise<ValdResult[]> {
    await this.dimension(collection);
    return this.deps.temporal.workflow.execute(valdRemoveByTimestampWorkflow, {
      workflowId: valdWorkflowId('remove-by-timestamp', randomUUID()),
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      args: [{ collection, conditions }],
    });
  }

  /** Vald UpdateTimestamp; the request's id and timestamp are checked here (INVALID_ARGUMENT). */
  async updateTimestamp(
    collection: string,
    raw: { id?: unknown; timestamp?: unknown; force?: unknown },
  ): Promise<ValdResult> {
    await this.dimension(collection);
    let id: string;
    let timestamp: bigint | null;
    try {
      id = assertPointId(raw.id, 'id');
      timestamp = parseTimestamp(raw.timestamp, 'timestamp');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return status('INVALID_ARGUMENT', err.message, (err.details as { field?: string })?.field);
    }
    if (timestamp === null) return status('INVALID_ARGUMENT', 'timestamp must be a positive int64', 'timestamp');
    return this.deps.temporal.workflow.execute(valdUpdateTimestampWorkflow, {
      workflowId: valdWorkflowId('update-timestamp', randomUUID()),
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      args: [{ collection, id, timestamp: timestamp.toString(), force: raw.force === true }],
    });
  }

  /** Vald Flush: removes every vector of the collection; returns how many blue held. */
  async flush(collection: string): Promise<{ removed: number }> {
    await this.dimension(collection);
    return this.deps.temporal.workflow.execute(valdFlushWorkflow, {
      workflowId: valdWorkflowId('flush', randomUUID()),
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      args: [{ collection }],
    });
  }
}
