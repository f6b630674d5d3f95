import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { TsOperator, ValdOp, ValdRequest, ValdResult } from '../../core/vald.js';
import { parseRequest, parseTimestamp, status } from '../../core/vald.js';
import { assertPointId } from '../../core/point-id.js';
import { nowNs } from '../../core/time.js';
import { valdWorkflowId } from '../../workflows/ids.js';
import {
  valdFlushWorkflow,
  valdRemoveByTimestampWorkflow,
  valdUpdateTimestampWorkflow,
} from '../../workflows/index.js';
import { applyVald } from '../../activities/vald-apply.js';
import { type WriteContext, type WriteTargets, resolveWriteTargets } from '../../activities/write-path.js';
import { EmbedderRegistry } from '../../embedders/index.js';
import { WRITE_TARGETS_TTL_MS } from '../../core/reindex.js';
import type { ApiDeps } from '../deps.js';
import { type StreamRecord, valdJournal } from './journal.js';

// Vald requests, validated here (INVALID_ARGUMENT never costs a workflow), then applied by the
// API straight to the store — on the same write path as every job, reindex mirrors included;
// batches through the store's bulk path — and recorded in Temporal through the journal
// (journal.ts): no workflow round trip before the answer, and no vectors in any history.

type RecordAs = 'single' | 'batch' | StreamRecord;

export class ValdService {
  private readonly embedders: EmbedderRegistry;
  private readonly known = new Map<string, WriteTargets>();

  constructor(private readonly deps: ApiDeps) {
    this.embedders = new EmbedderRegistry(deps.config.models);
  }

  private async context(): Promise<WriteContext> {
    return { config: this.deps.config, store: await this.deps.store.get(), embedders: this.embedders };
  }

  /** The collection's blue and write targets (kept for half the write-target lease); NotFound when unknown. */
  private async targets(collection: string): Promise<WriteTargets> {
    const hit = this.known.get(collection);
    // Within the write-target lease (write-path.ts): a reindex waits it out before it reads.
    if (hit && Date.now() - hit.readAt < WRITE_TARGETS_TTL_MS / 2) return hit;
    const targets = await resolveWriteTargets(await this.context(), collection).catch((err: unknown) => {
      throw err instanceof NotFoundError
        ? new NotFoundError(`collection ${collection} does not exist or has no blue model`)
        : err;
    });
    this.known.set(collection, targets);
    return targets;
  }

  /** The collection's blue dimension; NotFound for an unknown collection. */
  async dimension(collection: string): Promise<{ dimension: number; model: string }> {
    const { blue } = await this.targets(collection);
    return { dimension: blue.dimension, model: blue.model };
  }

  /**
   * Validates and applies raw requests; returns one result per request, in order. `single`
   * writes reach Temporal in batches through the journal; a `batch` (a Multi request) is recorded
   * as a workflow of its own before it is answered; a stream's chunks go to its StreamRecord.
   */
  async apply(collection: string, op: ValdOp, raws: unknown[], record: RecordAs): Promise<ValdResult[]> {
    const targets = await this.targets(collection);
    const { dimension } = targets.blue;
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
      const requests = valid.map((v) => v.req);
      const out = await this.applyDirect(targets, op, requests, record);
      valid.forEach((v, k) => (results[v.index] = out[k]));
    }
    return results as ValdResult[];
  }

  /** Straight to the store (its bulk path for batches), then into the journal before the answer. */
  private async applyDirect(
    targets: WriteTargets,
    op: ValdOp,
    requests: ValdRequest[],
    record: RecordAs,
  ): Promise<ValdResult[]> {
    const results = await applyVald(await this.context(), targets.collection, op, requests, targets);
    const journal = await valdJournal(this.deps);
    const entries = requests.map((r, i) => {
      const res = results[i];
      const result = 'location' in res ? 'OK' : res.status.status;
      return { op, collection: targets.collection, id: r.id, timestamp: r.timestamp, result };
    });
    if (record === 'single') journal.record(entries);
    else if (record === 'batch') await journal.recordBatch(op, entries);
    else record.record(entries);
    return results;
  }

  /** The record of one stream's writes; close it when the stream ends. */
  async openStream(op: ValdOp): Promise<StreamRecord> {
    return (await valdJournal(this.deps)).openStream(op);
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
