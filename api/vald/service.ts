import { randomUUID } from 'node:crypto';
import type { ValdWriteInput } from '../../activities/vald.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { StagingArea } from '../../core/staging.js';
import type { TsOperator, ValdOp, ValdRequest, ValdResult } from '../../core/vald.js';
import { parseRequest, parseTimestamp, status, toWire } from '../../core/vald.js';
import { stageValdRequests } from '../../core/vald-staging.js';
import { assertPointId } from '../../core/point-id.js';
import { nowNs } from '../../core/time.js';
import { valdWorkflowId } from '../../workflows/ids.js';
import {
  valdFlushWorkflow,
  valdRemoveByTimestampWorkflow,
  valdUpdateTimestampWorkflow,
  valdWriteWorkflow,
} from '../../workflows/index.js';
import { applyVald } from '../../activities/vald-apply.js';
import { type WriteContext, type WriteTargets, resolveWriteTargets } from '../../activities/write-path.js';
import { EmbedderRegistry } from '../../embedders/index.js';
import { WRITE_TARGETS_TTL_MS } from '../../core/reindex.js';
import type { ApiDeps } from '../deps.js';
import { valdJournal } from './journal.js';

// Vald requests, validated here (INVALID_ARGUMENT never costs a workflow). A single write is
// applied by the API straight to the store — on the same write path, mirrors included — and
// recorded in Temporal in batches through the journal (journal.ts): milliseconds instead of a
// workflow round trip. Multi requests and stream chunks run as workflows whose activities take
// the worker's bulk path; large ones travel staged, not through history.
const INLINE_LIMIT = 256 * 1024;
/** A large Multi runs as workflows of this many requests, this many at once. */
const BATCH_CHUNK = 2000;
const BATCH_LANES = 2;

export class ValdService {
  private readonly staging: StagingArea;
  private readonly embedders: EmbedderRegistry;
  private readonly known = new Map<string, WriteTargets>();

  constructor(private readonly deps: ApiDeps) {
    this.staging = new StagingArea(deps.config);
    this.embedders = new EmbedderRegistry(deps.config.models);
  }

  private async context(): Promise<WriteContext> {
    return { config: this.deps.config, store: await this.deps.store.get(), embedders: this.embedders };
  }

  /** The collection's blue and write targets (read at most every CATALOG_TTL_MS); NotFound when unknown. */
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

  /** Validates and applies a list of raw requests; returns one result per request, in order. */
  async apply(collection: string, op: ValdOp, raws: unknown[]): Promise<ValdResult[]> {
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
      const out =
        raws.length === 1 ? await this.applyDirect(targets, op, requests) : await this.run(collection, op, requests);
      valid.forEach((v, k) => (results[v.index] = out[k]));
    }
    return results as ValdResult[];
  }

  /** A single write: straight to the store, then into the journal before it is answered. */
  private async applyDirect(targets: WriteTargets, op: ValdOp, requests: ValdRequest[]): Promise<ValdResult[]> {
    const results = await applyVald(await this.context(), targets.collection, op, requests, targets);
    const journal = await valdJournal(this.deps);
    journal.record(
      requests.map((r, i) => {
        const res = results[i];
        return {
          op,
          collection: targets.collection,
          id: r.id,
          timestamp: r.timestamp,
          result: 'location' in res ? 'OK' : res.status.status,
        };
      }),
    );
    return results;
  }

  /**
   * A batch as workflows: a large one in chunks, several at once, when no id repeats (a repeated
   * id must see its earlier request's effect, so such a batch stays one workflow).
   */
  private async run(collection: string, op: ValdOp, requests: ValdRequest[]): Promise<ValdResult[]> {
    if (requests.length <= BATCH_CHUNK || new Set(requests.map((r) => r.id)).size < requests.length)
      return this.runOne(collection, op, requests);
    const chunks = Array.from({ length: Math.ceil(requests.length / BATCH_CHUNK) }, (_, i) =>
      requests.slice(i * BATCH_CHUNK, (i + 1) * BATCH_CHUNK),
    );
    const results: ValdResult[][] = new Array(chunks.length);
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) {
        const i = next++;
        results[i] = await this.runOne(collection, op, chunks[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_LANES, chunks.length) }, lane));
    return results.flat();
  }

  private async runOne(collection: string, op: ValdOp, requests: ValdRequest[]): Promise<ValdResult[]> {
    const size = requests.reduce((n, r) => n + (r.vector?.length ?? 0) * 4 + r.id.length + 64, 0);
    const staged = size > INLINE_LIMIT ? await stageValdRequests(this.staging, requests) : undefined;
    const input: ValdWriteInput = staged
      ? { collection, op, staged }
      : { collection, op, requests: requests.map(toWire) };
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
