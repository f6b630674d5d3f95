import { itemText, textSettings } from '../core/items.js';
import type { Point } from '../core/types.js';
import { type Location, type ValdOp, type ValdRequest, type ValdResult, status } from '../core/vald.js';
import type { WriteMode } from '../stores/port.js';
import {
  type TargetWrite,
  type WriteContext,
  type WriteTargets,
  deleteFromTargets,
  refOf,
  resolveWriteTargets,
  writeToTargets,
} from './write-path.js';

// Vald semantics on the shared write path, for the worker's activities and the API's direct
// single writes alike. Every decision that depends on what is stored is made by the store
// atomically (write modes, conditional deletes), so concurrent writes to one id resolve as
// "newest timestamp wins".
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

export const locationOf = (targets: WriteTargets, id: string): { location: Location } => ({
  location: { name: `${targets.collection}__${targets.blue.model}`, uuid: id, ips: [] },
});

async function applyRound(
  ctx: WriteContext,
  targets: WriteTargets,
  op: ValdOp,
  reqs: ValdRequest[],
): Promise<ValdResult[]> {
  if (op === 'remove') return removeRound(ctx, targets, reqs);
  const location = (id: string) => locationOf(targets, id);
  // What is stored decides ALREADY_EXISTS and NOT_FOUND, and keeps the payload of a vector that
  // is written over. A plain insert needs none of it: the store's own "absent" rule decides.
  const blue = refOf(targets, targets.blue);
  const pre = reqs.filter((r) => op !== 'insert' || r.skipStrictExistCheck).map((r) => r.id);
  const existing = new Map((pre.length ? await ctx.store.get(blue, pre, op !== 'insert') : []).map((p) => [p.id, p]));
  const results: ValdResult[] = new Array(reqs.length);
  const cfg = textSettings(ctx.config, targets.collection);
  const byMode = new Map<WriteMode, number[]>();
  for (const [i, r] of reqs.entries()) {
    const stored = existing.get(r.id);
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
      BigInt(r.timestamp) <= stored.timestamp &&
      sameVector(stored.vector, r.vector!)
    ) {
      results[i] = status('ALREADY_EXISTS', `${r.id} already holds this vector`);
      continue;
    }
    if (!byMode.has(mode)) byMode.set(mode, []);
    byMode.get(mode)!.push(i);
  }
  for (const [mode, idx] of byMode) {
    const writes: TargetWrite[] = idx.map((i) => {
      const r = reqs[i];
      const payload = existing.get(r.id)?.payload ?? {};
      const point: Point = { id: r.id, vector: r.vector!, payload, timestamp: BigInt(r.timestamp) };
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

/**
 * Removes: one conditional delete per distinct timestamp (usually one for the round); of what
 * was not deleted, the absent ids are NOT_FOUND and the others hold a newer write (ABORTED).
 */
async function removeRound(ctx: WriteContext, targets: WriteTargets, reqs: ValdRequest[]): Promise<ValdResult[]> {
  const results: ValdResult[] = new Array(reqs.length);
  const groups = new Map<string, number[]>();
  reqs.forEach((r, i) => {
    const key = r.timestampGiven ? r.timestamp : '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(i);
  });
  for (const [ts, idx] of groups) {
    const ids = idx.map((i) => reqs[i].id);
    const deleted = new Set(await deleteFromTargets(ctx, targets, ids, ts ? BigInt(ts) : undefined));
    const kept = ids.filter((id) => !deleted.has(id));
    const present = new Set(
      kept.length ? (await ctx.store.get(refOf(targets, targets.blue), kept, false)).map((p) => p.id) : [],
    );
    for (const i of idx) {
      const id = reqs[i].id;
      results[i] = deleted.has(id)
        ? locationOf(targets, id)
        : present.has(id)
          ? status('ABORTED', `${id} holds a write newer than timestamp ${ts}`)
          : status('NOT_FOUND', `${id} does not exist`);
    }
  }
  return results;
}

/** Applies validated requests of one op to a collection; results are index-aligned with them. */
export async function applyVald(
  ctx: WriteContext,
  collection: string,
  op: ValdOp,
  requests: ValdRequest[],
  /** The collection's targets when the caller has just read them. */
  known?: WriteTargets,
): Promise<ValdResult[]> {
  const targets = known ?? (await resolveWriteTargets(ctx, collection));
  const results: ValdResult[] = new Array(requests.length);
  for (const round of rounds(requests)) {
    const out = await applyRound(
      ctx,
      targets,
      op,
      round.map((i) => requests[i]),
    );
    round.forEach((i, k) => (results[i] = out[k]));
  }
  return results;
}
