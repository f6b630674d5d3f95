import { itemText, textSettings } from '../core/items.js';
import { StagingArea } from '../core/staging.js';
import type { Point } from '../core/types.js';
import { type Location, type ValdOp, type ValdRequest, type ValdResult, status, unpackVector } from '../core/vald.js';
import type { WriteMode } from '../stores/port.js';
import type { ActivityContext } from './context.js';
import {
  type TargetWrite,
  type WriteTargets,
  deleteFromMirrors,
  deleteFromTargets,
  refOf,
  resolveWriteTargets,
  writeToTargets,
} from './write-path.js';

// Vald semantics on the shared write path. Every decision that depends on what is stored is
// made by the store atomically (write modes, conditional deletes), so concurrent writes to one
// id resolve as "newest timestamp wins".
export interface ValdTimestampUpdate {
  collection: string;
  id: string;
  /** int64 nanoseconds, decimal. */
  timestamp: string;
  force: boolean;
}

export interface ValdWriteInput {
  collection: string;
  op: ValdOp;
  requests?: ValdRequest[];
  /** Staged requests (large multi and stream chunks); results are then staged beside them. */
  staged?: { dir: string; batches: number; items: number };
}

const sameVector = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Splits requests into rounds in which each id appears once; a later repeat sees the earlier one's effect. */
function rounds(requests: ValdRequest[]): number[][] {
  const seen = new Map<string, number>();
  const out: number[][] = [];
  requests.forEach((r, i) => {
    const k = seen.get(r.id) ?? 0;
    seen.set(r.id, k + 1);
    (out[k] ??= []).push(i);
  });
  return out;
}

const locationOf = (targets: WriteTargets, id: string): { location: Location } => ({
  location: { name: `${targets.collection}__${targets.blue.model}`, uuid: id, ips: [] },
});

async function applyRound(
  ctx: ActivityContext,
  targets: WriteTargets,
  op: ValdOp,
  reqs: ValdRequest[],
): Promise<ValdResult[]> {
  const location = (id: string) => locationOf(targets, id);
  const existing = new Map(
    (
      await ctx.store.get(
        refOf(targets, targets.blue),
        reqs.map((r) => r.id),
      )
    ).map((p) => [p.id, p]),
  );
  const results: ValdResult[] = new Array(reqs.length);
  const cfg = textSettings(ctx.config, targets.collection);

  if (op === 'remove') {
    for (const [i, r] of reqs.entries()) {
      if (!existing.has(r.id)) results[i] = status('NOT_FOUND', `${r.id} does not exist`);
    }
    // One conditional delete per distinct timestamp (usually one for the whole round).
    const groups = new Map<string, number[]>();
    reqs.forEach(
      (r, i) =>
        existing.has(r.id) &&
        groups.set(r.timestampGiven ? r.timestamp : '', [
          ...(groups.get(r.timestampGiven ? r.timestamp : '') ?? []),
          i,
        ]),
    );
    for (const [ts, idx] of groups) {
      const deleted = new Set(
        await deleteFromTargets(
          ctx,
          targets,
          idx.map((i) => reqs[i].id),
          ts ? BigInt(ts) : undefined,
        ),
      );
      for (const i of idx) {
        results[i] = deleted.has(reqs[i].id)
          ? location(reqs[i].id)
          : status('ABORTED', `${reqs[i].id} holds a write newer than timestamp ${ts}`);
      }
    }
    return results;
  }

  const byMode = new Map<WriteMode, number[]>();
  for (const [i, r] of reqs.entries()) {
    const stored = existing.get(r.id);
    const vector = unpackVector(r.vector!);
    const ts = BigInt(r.timestamp);
    let mode: WriteMode;
    if (op === 'insert') mode = r.skipStrictExistCheck ? 'newer' : 'absent';
    else if (op === 'update' && !stored) {
      results[i] = status('NOT_FOUND', `${r.id} does not exist`);
      continue;
    } else mode = op === 'update' ? 'update' : 'newer';
    if (
      stored &&
      op !== 'insert' &&
      !r.skipStrictExistCheck &&
      sameVector(stored.vector, vector) &&
      ts <= stored.timestamp
    ) {
      results[i] = status('ALREADY_EXISTS', `${r.id} already holds this vector`);
      continue;
    }
    byMode.set(mode, [...(byMode.get(mode) ?? []), i]);
  }
  for (const [mode, idx] of byMode) {
    const writes: TargetWrite[] = idx.map((i) => {
      const r = reqs[i];
      const payload = existing.get(r.id)?.payload ?? {};
      const point: Point = { id: r.id, vector: unpackVector(r.vector!), payload, timestamp: BigInt(r.timestamp) };
      return { point, text: itemText(payload, cfg) || undefined };
    });
    const outcome = await writeToTargets(ctx, targets, writes, mode);
    const written = new Set(outcome.written);
    for (const i of idx) {
      const r = reqs[i];
      if (written.has(r.id)) results[i] = location(r.id);
      else if (mode === 'absent') results[i] = status('ALREADY_EXISTS', `${r.id} already exists`);
      else
        results[i] = status(
          'ABORTED',
          `${r.id} holds a newer write than timestamp ${r.timestamp}; this one is ignored`,
        );
    }
  }
  return results;
}

export function valdActivities(ctx: ActivityContext) {
  const staging = new StagingArea(ctx.config.dataDir);
  return {
    /** Applies insert/update/upsert/remove requests; results are index-aligned with the requests. */
    async applyValdRequests(input: ValdWriteInput): Promise<ValdResult[] | null> {
      const requests = input.staged ? await staging.readAll<ValdRequest>(input.staged) : (input.requests ?? []);
      const targets = await resolveWriteTargets(ctx, input.collection);
      const results: ValdResult[] = new Array(requests.length);
      for (const round of rounds(requests)) {
        const out = await applyRound(
          ctx,
          targets,
          input.op,
          round.map((i) => requests[i]),
        );
        round.forEach((i, k) => (results[i] = out[k]));
      }
      if (!input.staged) return results;
      await staging.writeResult(input.staged, 0, results);
      return null;
    },

    /** Removes every point whose timestamp satisfies all conditions, from every write target. */
    async removeValdByTimestamp(input: {
      collection: string;
      conditions: { operator: 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt'; timestamp: string }[];
    }): Promise<ValdResult[]> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const conditions = input.conditions.map((c) => ({ operator: c.operator, timestamp: BigInt(c.timestamp) }));
      const removed = await ctx.store.deleteByTimestamp(refOf(targets, targets.blue), conditions);
      await deleteFromMirrors(ctx, targets, removed);
      return removed.map((id) => locationOf(targets, id));
    },

    /**
     * Vald UpdateTimestamp: the stored vector keeps its values and takes `timestamp`; NOT_FOUND
     * when absent, ABORTED when it already holds a timestamp as new, unless `force`.
     */
    async updateValdTimestamp(input: ValdTimestampUpdate): Promise<ValdResult> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const [stored] = await ctx.store.get(refOf(targets, targets.blue), [input.id]);
      if (!stored) return status('NOT_FOUND', `${input.id} does not exist`);
      const ts = BigInt(input.timestamp);
      const aborted = status('ABORTED', `${input.id} holds timestamp ${stored.timestamp}, not older than ${ts}`);
      if (!input.force && ts <= stored.timestamp) return aborted;
      const text = itemText(stored.payload, textSettings(ctx.config, targets.collection)) || undefined;
      const outcome = await writeToTargets(
        ctx,
        targets,
        [{ point: { ...stored, timestamp: ts }, text }],
        input.force ? 'overwrite' : 'newer',
      );
      return outcome.written.includes(input.id) ? locationOf(targets, input.id) : aborted;
    },

    /** Vald Flush: removes every vector of the collection, from blue and every reindex destination. */
    async flushValdCollection(input: { collection: string }): Promise<{ removed: number }> {
      const targets = await resolveWriteTargets(ctx, input.collection);
      const all = { op: 'and' as const, items: [] };
      let removed = 0;
      for (const model of [targets.blue, ...targets.extra]) {
        const n = await ctx.store.deleteByFilter(refOf(targets, model), all);
        if (model === targets.blue) removed = n;
      }
      return { removed };
    },
  };
}
