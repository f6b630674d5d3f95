import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ActivityContext } from '../../activities/context.js';
import { copyShardPages } from '../../activities/reindex/copy.js';
import { reindexActivities } from '../../activities/reindex/index.js';
import { reconcileShard } from '../../activities/reindex/reconcile.js';
import type { CopyPagesResult, ReconcileResult } from '../../activities/reindex/types.js';
import { deleteFromTargets, resolveWriteTargets, writeToTargets } from '../../activities/write-path.js';
import { splitIdSpace } from '../../core/id-space.js';
import { WRITE_TARGETS_TTL_MS } from '../../core/reindex.js';
import type { PostgresStore } from '../../stores/postgres/store.js';
import { activityContextOnPglite } from '../helpers/activity-context.js';
import { seedTextItems } from '../helpers/seed.js';

// A reindex's shards copy during the write-target grace: a writer that read the collection's
// targets just before the destination was registered still writes the source only, for up to
// the lease. Its writes can land after the copy went past them; the reconcile, which starts once
// the grace is over, must carry them over. The activities run in Temporal's activity test
// environment, in the workflow's order, on the real embedded store.
describe('a reindex copying during the write-target grace', () => {
  let stop: () => Promise<void>;
  let store: PostgresStore;
  let ctx: ActivityContext;
  beforeAll(async () => {
    ({ store, ctx, stop } = await activityContextOnPglite());
  });
  afterAll(async () => stop?.());

  const nowNs = () => BigInt(Date.now()) * 1_000_000n;
  const item = (id: string, title: string) => ({
    point: { id, vector: new Float32Array(384).fill(0.25), payload: { title }, timestamp: nowNs() },
    text: title,
  });

  /**
   * The race on a collection of its own; false when the old targets had (nearly) expired before
   * their writes, as on a machine too busy for this set-up to take under the lease.
   */
  async function race(collection: string): Promise<boolean> {
    const source = { collection, model: 'hash-384' };
    const dest = { collection, model: 'hash-256' };
    await store.ensureCollection({ ...source, dimension: 384, distance: 'cosine' });
    await store.setBlue(source);
    await seedTextItems(store, source, 30, 'rg');
    const stale = await resolveWriteTargets(ctx, collection);
    assert.deepEqual(stale.extra, [], 'read before the registration: no destination');

    const prepared = await reindexActivities(ctx).prepareReindex({
      collection,
      source: source.model,
      dest: dest.model,
      copyDuringGrace: true,
    });
    assert.equal(prepared.total, 30);
    assert.ok(prepared.settledAt, 'the grace is returned, not waited out');
    const scope = { collection, source: source.model, dest: dest.model, range: splitIdSpace(1)[0] };
    const copy = (await new MockActivityEnvironment().run(copyShardPages, ctx, {
      ...scope,
      mode: prepared.mode,
      cursor: null,
      pages: 10,
      pageSize: 100,
    })) as CopyPagesResult;
    assert.deepEqual([copy.copied, copy.next], [30, null]);
    const startedNs = nowNs().toString();
    const reconciled = new MockActivityEnvironment().run(reconcileShard, ctx, {
      ...scope,
      mode: prepared.mode,
      startedNs,
      settledNs: (BigInt(prepared.settledAt) * 1_000_000n).toString(),
    }) as Promise<ReconcileResult>;

    // A writer with fresh targets writes `fresh-1` to both; then the writer holding the old
    // targets, still within its lease, updates rg-3, adds late-1, deletes rg-5 and fresh-1.
    await writeToTargets(
      ctx,
      await resolveWriteTargets(ctx, collection),
      [item('fresh-1', 'written to both')],
      'newer',
    );
    if (Date.now() - stale.readAt > WRITE_TARGETS_TTL_MS - 150) {
      await reconciled;
      return false;
    }
    await writeToTargets(ctx, stale, [item('rg-3', 'rg-3 updated late'), item('late-1', 'added late')], 'newer');
    await deleteFromTargets(ctx, stale, ['rg-5', 'fresh-1']);
    const before = await store.get(dest, ['rg-3', 'late-1', 'rg-5', 'fresh-1'], false);
    assert.deepEqual(
      before.map((p) => [p.id, p.payload.title]),
      [
        ['rg-3', 'rg-3 about topic 3 with words 3'],
        ['rg-5', 'rg-5 about topic 5 with words 5'],
        ['fresh-1', 'written to both'],
      ],
      'the old targets did not reach the destination: it has the copy of before',
    );

    const result = await reconciled;
    assert.deepEqual([result.recopied, result.removed, result.failed], [2, 2, 0]);
    const ids = async (ref: typeof source) =>
      (await store.scan(ref, { cursor: null, limit: 100, withVectors: false })).points
        .map((p) => `${p.id} ${p.timestamp} ${p.payload.title}`)
        .sort();
    assert.deepEqual(await ids(dest), await ids(source), 'the destination equals the source');
    assert.ok((await ids(dest)).some((p) => p.startsWith('rg-3 ') && p.endsWith('rg-3 updated late')));
    return true;
  }

  it('carries over writes made with targets from before the registration that land after the copy', async () => {
    for (let attempt = 1; attempt <= 3; attempt++) if (await race(`rg${attempt}`)) return;
    assert.fail('the set-up outran the write-target lease three times: the race never ran');
  });
});
