import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { deleteFromTargets, resolveWriteTargets, writeToTargets } from '../../activities/write-path.js';
import type { ActivityContext } from '../../activities/context.js';
import type { PostgresStore } from '../../stores/postgres/store.js';
import { activityContextOnPglite } from '../helpers/activity-context.js';

// The write path on the real embedded store: a reindex destination dropped after a writer read
// its targets (a refused reindex removes the destination it created) takes no more writes, and
// the write itself succeeds.
describe('the write path', () => {
  let stop: () => Promise<void>;
  let store: PostgresStore;
  let ctx: ActivityContext;
  const blue = { collection: 'wp', model: 'hash-384' };
  const dest = { collection: 'wp', model: 'hash-256' };
  beforeAll(async () => {
    ({ store, ctx, stop } = await activityContextOnPglite({ bulk: true }));
    await store.ensureCollection({ ...blue, dimension: 384, distance: 'cosine' });
    await store.setBlue(blue);
  });
  afterAll(async () => stop?.());

  const write = (id: string) => ({
    point: { id, vector: new Float32Array(384).fill(0.5), payload: { text: id }, timestamp: 5n },
    text: id,
  });

  it('mirrors to a registered destination, and skips one dropped after the targets were read', async () => {
    await store.ensureCollection({ ...dest, dimension: 256, distance: 'cosine' });
    await store.setWriteTarget(dest, true);
    const targets = await resolveWriteTargets(ctx, 'wp');
    assert.deepEqual(
      targets.extra.map((m) => m.model),
      ['hash-256'],
    );
    await writeToTargets(ctx, targets, [write('a')], 'newer');
    assert.equal(await store.count(dest), 1, 'mirrored while registered');

    await store.dropCollection(dest);
    const outcome = await writeToTargets(ctx, targets, [write('b')], 'newer');
    assert.deepEqual(outcome.written, ['b']);
    assert.deepEqual((await store.get(blue, ['a', 'b'])).map((p) => p.id).sort(), ['a', 'b']);
    assert.deepEqual(await deleteFromTargets(ctx, targets, ['a']), ['a']);
    assert.deepEqual(
      (await store.get(blue, ['a', 'b'])).map((p) => p.id),
      ['b'],
    );
  });
});
