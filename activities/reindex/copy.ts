import { Context } from '@temporalio/activity';
import type { ActivityContext } from '../context.js';
import { convertPoints } from './points.js';
import { type CopyPagesInput, type CopyPagesResult, MAX_FAILURES_KEPT } from './types.js';

/**
 * Copies up to `pages` pages of a shard from source to destination, heartbeating the cursor and
 * the counts after every page: a retry (say, after the worker died) resumes from the last
 * heartbeat, so nothing is counted twice. Writes use 'newer', so a concurrent write to the
 * destination is never overwritten by an older copy.
 */
export async function copyShardPages(ctx: ActivityContext, input: CopyPagesInput): Promise<CopyPagesResult> {
  const activity = Context.current();
  const resumed = activity.info.heartbeatDetails as CopyPagesResult | undefined;
  const state: CopyPagesResult = resumed ?? { next: input.cursor, copied: 0, failed: 0, failures: [] };
  const source = { collection: input.collection, model: input.source };
  const dest = { collection: input.collection, model: input.dest };
  for (let page = 0; page < input.pages; page++) {
    const { points, next } = await ctx.store.scan(source, {
      range: input.range,
      cursor: state.next,
      limit: input.pageSize,
      withVectors: input.mode === 'copy',
    });
    const { converted, failures, skips } = await convertPoints(
      ctx,
      input.collection,
      input.dest,
      input.mode,
      points,
      input.skip_unembeddable,
    );
    if (converted.length) await ctx.store.upsert(dest, converted, 'newer');
    state.copied += converted.length;
    state.failed += failures.length;
    state.failures.push(...failures.slice(0, MAX_FAILURES_KEPT - state.failures.length));
    if (skips.length) {
      state.skipped = (state.skipped ?? 0) + skips.length;
      state.skips = [...(state.skips ?? []), ...skips].slice(0, MAX_FAILURES_KEPT);
    }
    state.next = next;
    activity.heartbeat(state);
    if (next === null) break;
  }
  return state;
}
