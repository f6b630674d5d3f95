import { Context } from '@temporalio/activity';
import { type IdRange, bigIntToUuid, uuidToBigInt } from '../../core/id-space.js';
import { internalId } from '../../core/point-id.js';
import type { CollectionRef } from '../../core/types.js';
import type { VectorStore } from '../../stores/port.js';
import type { ActivityContext } from '../context.js';
import { convertPoints } from './points.js';
import { MAX_FAILURES_KEPT, type ReconcileResult, type ShardScope } from './types.js';

interface Entry {
  id: string;
  pid: string;
  ts: bigint;
}

/** Ids and timestamps per scan: small rows, so large pages (each query has a fixed cost). */
const SCAN_PAGE = 5000;
/** Deletes and copies per write, as the copy's pages. */
const WRITE_BATCH = 500;

/** Ids and timestamps of a range in internal-id order, page by page; the next page is read ahead. */
async function* entries(store: VectorStore, ref: CollectionRef, range: IdRange): AsyncGenerator<Entry> {
  const scan = (cursor: string | null) => {
    const page = store.scan(ref, { range, cursor, limit: SCAN_PAGE, withVectors: false, withPayload: false });
    page.catch(() => undefined); // awaited below; not unhandled if the merge stops first
    return page;
  };
  for (let page = scan(null); ;) {
    const { points, next } = await page;
    if (next) page = scan(next);
    for (const p of points) yield { id: p.id, pid: internalId(p.id), ts: p.timestamp };
    if (!next) return;
  }
}

/**
 * Makes a shard of the destination match the source: ids only in the destination are deleted
 * (unless written after `startedNs`, i.e. by a write racing this check), ids missing from the
 * destination or older there are copied again. A merge join over both scans, which run in the
 * same internal-id order; the position is heartbeated so a retry resumes.
 */
export async function reconcileShard(
  ctx: ActivityContext,
  scope: ShardScope & { startedNs: string },
): Promise<ReconcileResult> {
  const activity = Context.current();
  const resumed = activity.info.heartbeatDetails as (ReconcileResult & { after: string | null }) | undefined;
  const state = resumed ?? { removed: 0, recopied: 0, failed: 0, failures: [], after: null };
  const range: IdRange = {
    start: state.after ? bigIntToUuid(uuidToBigInt(state.after) + 1n) : scope.range.start,
    end: scope.range.end,
  };
  const source = { collection: scope.collection, model: scope.source };
  const dest = { collection: scope.collection, model: scope.dest };
  const src = entries(ctx.store, source, range);
  const dst = entries(ctx.store, dest, range);
  let s = await src.next();
  let d = await dst.next();
  let stale: string[] = [];
  let recopy: string[] = [];

  const flush = async (position: string | null) => {
    if (stale.length)
      state.removed += (await ctx.store.delete(dest, stale, { notNewerThan: BigInt(scope.startedNs) })).length;
    if (recopy.length) {
      const points = await ctx.store.get(source, recopy, scope.mode === 'copy');
      const { converted, failures } = await convertPoints(
        ctx,
        scope.collection,
        scope.dest,
        scope.mode,
        points,
        scope.skip_unembeddable,
      );
      if (converted.length) await ctx.store.upsert(dest, converted, 'newer');
      state.recopied += converted.length;
      // A point older than the copy was already tried (and counted) by it; count only new ones.
      const written = new Map(points.map((p) => [p.id, p.timestamp]));
      const fresh = failures.filter((f) => (written.get(f.object_id) ?? 0n) > BigInt(scope.startedNs));
      state.failed += fresh.length;
      state.failures.push(...fresh.slice(0, MAX_FAILURES_KEPT - state.failures.length));
    }
    stale = [];
    recopy = [];
    state.after = position;
    activity.heartbeat(state);
  };

  // The position is heartbeated every SCAN_PAGE ids even where nothing differs, so a long clean
  // shard stays within the heartbeat timeout and a retry resumes near where it stopped.
  let merged = 0;
  while (!s.done || !d.done) {
    let position: string;
    if (d.done || (!s.done && s.value.pid < d.value.pid)) {
      recopy.push(s.value.id);
      position = s.value.pid;
      s = await src.next();
    } else if (s.done || d.value.pid < s.value.pid) {
      stale.push(d.value.id);
      position = d.value.pid;
      d = await dst.next();
    } else {
      if (s.value.ts > d.value.ts) recopy.push(s.value.id);
      position = s.value.pid;
      s = await src.next();
      d = await dst.next();
    }
    if (stale.length + recopy.length >= WRITE_BATCH || ++merged % SCAN_PAGE === 0) await flush(position);
  }
  await flush(null);
  const { after: _after, ...result } = state;
  return result;
}
