import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { reconcileShard } from '../../activities/reindex/reconcile.js';
import type { ReconcileResult } from '../../activities/reindex/types.js';
import type { ActivityContext } from '../../activities/context.js';
import { splitIdSpace } from '../../core/id-space.js';
import type { PostgresStore } from '../../stores/postgres/store.js';
import { activityContextOnPglite } from '../helpers/activity-context.js';
import { seedTextItems } from '../helpers/seed.js';

// The reconcile activity of a reindex shard, run by Temporal's activity test environment (which
// records heartbeats and can hand in a checkpoint) on the real embedded store.
describe("a reindex shard's reconcile", () => {
  let stop: () => Promise<void>;
  let store: PostgresStore;
  let ctx: ActivityContext;
  const source = { collection: 'items', model: 'hash-384' };
  const dest = { collection: 'items', model: 'copy-384' };
  const N = 12_000;
  beforeAll(async () => {
    ({ store, ctx, stop } = await activityContextOnPglite());
    await store.ensureCollection({ ...dest, dimension: 384, distance: 'cosine' });
    // The destination as a finished copy would leave it: every item, same timestamps.
    await seedTextItems(store, source, N, 'rc');
    await seedTextItems(store, dest, N, 'rc');
  });
  afterAll(async () => stop?.());

  const scope = {
    collection: 'items',
    source: 'hash-384',
    dest: 'copy-384',
    range: splitIdSpace(1)[0],
    mode: 'copy' as const,
    startedNs: '0',
  };

  const reconcile = (env: MockActivityEnvironment) => env.run(reconcileShard, ctx, scope) as Promise<ReconcileResult>;

  it('heartbeats its position through a shard where nothing differs, and resumes from it', async () => {
    const env = new MockActivityEnvironment();
    const beats: (ReconcileResult & { after: string | null })[] = [];
    env.on('heartbeat', (d: ReconcileResult & { after: string | null }) => beats.push(structuredClone(d)));
    const clean = await reconcile(env);
    assert.deepEqual([clean.removed, clean.recopied, clean.failed], [0, 0, 0]);
    const positions = beats.map((b) => b.after).filter((a): a is string => a !== null);
    assert.ok(positions.length >= 2, `a heartbeat per scanned page before the end: ${positions.length}`);
    assert.deepEqual(positions, [...positions].sort(), 'positions only move forward');

    // The destination loses its first and last ids (in the scan's order): the first is before
    // the first checkpoint, the last after it.
    const all = (await store.scan(source, { cursor: null, limit: N, withVectors: false })).points;
    const [first, last] = [all[0].id, all[N - 1].id];
    assert.deepEqual((await store.delete(dest, [first, last])).sort(), [first, last].sort());
    const resumed = await reconcile(new MockActivityEnvironment({ heartbeatDetails: beats[0] }));
    assert.equal(resumed.recopied, 1, 'a retry from the checkpoint goes on after it: only the last id');
    assert.deepEqual(
      (await store.get(dest, [first, last], false)).map((p) => p.id),
      [last],
    );
    const full = await reconcile(new MockActivityEnvironment());
    assert.deepEqual([full.recopied, full.removed], [1, 0], 'from the start, the first id too');
    assert.equal(await store.count(dest), N);
  });
});
