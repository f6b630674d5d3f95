import assert from 'node:assert/strict';
import { it } from 'vitest';
import { inRange, splitIdSpace } from '../../core/id-space.js';
import { internalId } from '../../core/point-id.js';
import type { CollectionRef } from '../../core/types.js';
import type { VectorStore } from '../../stores/port.js';
import { makePoint, rng } from '../helpers/data.js';

/**
 * The store port's `diff` (a reindex's reconcile), part of the store conformance suite: a
 * destination that lacks ids, holds older, equal or newer versions, and ids of its own, compared
 * whole and by shard, in pages smaller than either side.
 */
export function diffConformance(
  store: () => VectorStore,
  fresh: (dimension: number, model: string, collection?: string) => Promise<CollectionRef>,
): void {
  it('diffs two collections page by page: missing or older ids, and ids only the destination holds', async () => {
    const source = await fresh(4, 'src');
    const dest = await fresh(4, 'dst', source.collection);
    const next = rng(23);
    const ids = Array.from({ length: 160 }, (_, i) => `d-${i}`);
    await store().upsert(
      source,
      ids.map((id) => makePoint(id, 4, next, {}, 10n)),
    );
    // i % 5: 0 missing from dest, 1 older there, 2 the same, 3 newer there (a racing write), 4 the same.
    const kept = ids.filter((_, i) => i % 5 !== 0);
    await store().upsert(
      dest,
      kept.map((id) => makePoint(id, 4, next, {}, [0n, 9n, 10n, 11n, 10n][Number(id.slice(2)) % 5])),
    );
    const extras = Array.from({ length: 40 }, (_, i) => `only-dest-${i}`);
    await store().upsert(
      dest,
      extras.map((id) => makePoint(id, 4, next)),
    );
    const wantMissing = ids.filter((_, i) => i % 5 === 0 || i % 5 === 1);

    const diffAll = async (range?: { start: string | null; end: string | null }) => {
      const missing: string[] = [];
      const extra: string[] = [];
      const cursors: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store().diff(source, dest, { range, cursor, limit: 13 });
        missing.push(...page.missing);
        extra.push(...page.extra);
        if (page.next !== null) cursors.push(page.next);
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(cursors, [...cursors].sort(), 'the cursor only moves forward');
      // Each page ends at the 13th id of one side at the latest: at least 168 / 13 pages.
      assert.ok(cursors.length >= 12, `pages of at most 13 ids a side: ${cursors.length} cursors`);
      return { missing, extra };
    };
    const whole = await diffAll();
    assert.deepEqual([...whole.missing].sort(), [...wantMissing].sort(), 'missing or older in the destination');
    assert.deepEqual([...whole.extra].sort(), [...extras].sort(), 'only in the destination');

    // Shards: each reports only its own ids, and together they report everything once.
    const byShard = { missing: [] as string[], extra: [] as string[] };
    for (const range of splitIdSpace(3)) {
      let cursor: string | null = null;
      do {
        const page = await store().diff(source, dest, { range, cursor, limit: 7 });
        for (const id of [...page.missing, ...page.extra])
          assert.ok(inRange(internalId(id), range), `${id} outside its shard`);
        byShard.missing.push(...page.missing);
        byShard.extra.push(...page.extra);
        cursor = page.next;
      } while (cursor !== null);
    }
    assert.deepEqual(byShard.missing.sort(), [...wantMissing].sort());
    assert.deepEqual(byShard.extra.sort(), [...extras].sort());

    // Once mended, nothing differs.
    await store().upsert(dest, await store().get(source, wantMissing, true), 'newer');
    await store().delete(dest, extras);
    const mended = await store().diff(source, dest, { limit: 1000 });
    assert.deepEqual([mended.missing, mended.extra, mended.next], [[], [], null]);
  });
}
