import { NotFoundError } from '../core/errors.js';
import { WRITE_TARGETS_TTL_MS } from '../core/reindex.js';
import type { CollectionRef, Point } from '../core/types.js';
import type { CatalogModel, WriteMode } from '../stores/port.js';
import type { ActivityContext } from './context.js';

/** What the write path needs: the worker's activities and the API's direct Vald writes alike. */
export type WriteContext = Pick<ActivityContext, 'config' | 'store' | 'embedders'>;

// The one write path. Every write — task batches, Vald requests, imports — resolves its targets
// here: the collection's blue physical collection plus every destination a running reindex has
// registered, so nothing written during a reindex is missed by the new model.
//
// Targets are a lease (WRITE_TARGETS_TTL_MS): a write may use targets read at most that long
// before it lands; one that lands later reads them again before mirroring. A write made with
// targets from before a reindex registered its destination is in the source twice the lease
// after the registration; the reindex's shards reconcile after that (prepareReindex), and so
// carry it over even when their copy had gone past it.
export interface WriteTargets {
  collection: string;
  blue: CatalogModel;
  /** Reindex destinations: written after blue, with vectors from their own model. */
  extra: CatalogModel[];
  /** When they were read (Date.now()). */
  readAt: number;
}

export async function resolveWriteTargets(ctx: WriteContext, collection: string): Promise<WriteTargets> {
  const readAt = Date.now();
  const [entry] = await ctx.store.catalog(collection);
  if (!entry) throw new NotFoundError(`collection ${collection} does not exist`);
  const blue = entry.models.find((m) => m.model === entry.blue);
  if (!blue) throw new NotFoundError(`collection ${collection} has no blue model`);
  return { collection, blue, extra: entry.models.filter((m) => m.writeTarget && m.model !== blue.model), readAt };
}

export const refOf = (t: WriteTargets, m: CatalogModel): CollectionRef => ({
  collection: t.collection,
  model: m.model,
});

export interface TargetWrite {
  /** The point as stored in blue (vector from the blue model). */
  point: Point;
  /** Text to embed for targets of other models; without it those targets cannot be written. */
  text?: string;
}

export interface WriteOutcome {
  written: string[];
  skipped: string[];
  /** Ids written to blue that could not be written to a reindex destination, with the reason. */
  targetErrors: Map<string, string>;
}

/**
 * The targets besides the one just written. Still within their lease, the ones the write was
 * made with; past it, read again: a reindex registering its destination (or a blue switch) while
 * this write was under way still gets it.
 */
async function mirrorTargets(ctx: WriteContext, written: WriteTargets): Promise<CatalogModel[]> {
  if (Date.now() - written.readAt < WRITE_TARGETS_TTL_MS) return written.extra;
  const latest = await resolveWriteTargets(ctx, written.collection);
  const all = new Map([...written.extra, latest.blue, ...latest.extra].map((m) => [m.model, m]));
  all.delete(written.blue.model);
  return [...all.values()];
}

/** A target dropped since it was read (a refused reindex removes its destination) takes no more writes. */
function droppedTarget(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}

/** Writes to blue with `mode`, then mirrors what blue accepted into every other target. */
export async function writeToTargets(
  ctx: WriteContext,
  targets: WriteTargets,
  writes: TargetWrite[],
  mode: WriteMode,
): Promise<WriteOutcome> {
  const result = await ctx.store.upsert(
    refOf(targets, targets.blue),
    writes.map((w) => w.point),
    mode,
  );
  const targetErrors = new Map<string, string>();
  const accepted = new Set(result.written);
  for (const target of accepted.size ? await mirrorTargets(ctx, targets) : []) {
    const embedder = ctx.embedders.get(target.model);
    const mirror = writes.filter((w) => accepted.has(w.point.id));
    for (const w of mirror.filter((w) => !w.text))
      targetErrors.set(w.point.id, `no text to embed for reindex destination ${target.model}`);
    const withText = mirror.filter((w) => w.text);
    if (withText.length === 0) continue;
    const vectors = await embedder.embed(withText.map((w) => w.text!));
    const points = withText.map((w, i) => ({ ...w.point, vector: vectors[i] }));
    await ctx.store.upsert(refOf(targets, target), points, 'newer').catch(droppedTarget);
  }
  return { written: result.written, skipped: result.skipped, targetErrors };
}

/** Deletes from every target; returns the ids that existed in blue. */
export async function deleteFromTargets(
  ctx: WriteContext,
  targets: WriteTargets,
  ids: string[],
  notNewerThan?: bigint,
): Promise<string[]> {
  const deleted = await ctx.store.delete(refOf(targets, targets.blue), ids, { notNewerThan });
  await deleteFromMirrors(ctx, targets, ids, notNewerThan);
  return deleted;
}

/** Repeats a delete already done in blue on every other target. */
export async function deleteFromMirrors(
  ctx: WriteContext,
  targets: WriteTargets,
  ids: string[],
  notNewerThan?: bigint,
): Promise<void> {
  if (ids.length === 0) return;
  for (const target of await mirrorTargets(ctx, targets))
    await ctx.store.delete(refOf(targets, target), ids, { notNewerThan }).catch(droppedTarget);
}
