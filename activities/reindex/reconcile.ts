import { Context } from '@temporalio/activity';
import type { ActivityContext } from '../context.js';
import { convertPoints } from './points.js';
import { MAX_FAILURES_KEPT, type ReconcileResult, type ReconcileTimes, type ShardScope } from './types.js';

/** Ids compared per diff page (the store returns only the differences). */
const DIFF_PAGE = 5000;
/** Deletes and copies per write, as the copy's pages. */
const WRITE_BATCH = 500;

/**
 * Makes a shard of the destination match the source: ids only in the destination are deleted
 * (unless written after `settledNs`, i.e. by a write racing this check), ids missing from the
 * destination or older there are copied again. The store compares the two page by page
 * (`diff`: on Postgres one join in the database) and the position is heartbeated so a retry
 * resumes. It starts once the source is settled: a write made with targets from before the
 * destination's registration (so not mirrored to it) may land in the source until then, after
 * the copy went past its page; this comparison is what carries it over.
 */
export async function reconcileShard(
  ctx: ActivityContext,
  scope: ShardScope & ReconcileTimes,
): Promise<ReconcileResult> {
  const activity = Context.current();
  const settledNs = BigInt(scope.settledNs ?? scope.startedNs);
  const untilSettled = Number(settledNs / 1_000_000n) - Date.now();
  if (untilSettled > 0) await activity.sleep(untilSettled);
  const resumed = activity.info.heartbeatDetails as (ReconcileResult & { after: string | null }) | undefined;
  const state = resumed ?? { removed: 0, recopied: 0, failed: 0, failures: [], after: null };
  const source = { collection: scope.collection, model: scope.source };
  const dest = { collection: scope.collection, model: scope.dest };

  const write = async (stale: string[], recopy: string[]) => {
    if (stale.length) state.removed += (await ctx.store.delete(dest, stale, { notNewerThan: settledNs })).length;
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
  };

  // Heartbeated after every page, where nothing differs too: a long clean shard stays within
  // the heartbeat timeout, and a retry resumes after the last page done.
  do {
    const page = await ctx.store.diff(source, dest, { range: scope.range, cursor: state.after, limit: DIFF_PAGE });
    for (let i = 0; i < Math.max(page.extra.length, page.missing.length); i += WRITE_BATCH)
      await write(page.extra.slice(i, i + WRITE_BATCH), page.missing.slice(i, i + WRITE_BATCH));
    state.after = page.next;
    activity.heartbeat(state);
  } while (state.after !== null);
  const { after: _after, ...result } = state;
  return result;
}
