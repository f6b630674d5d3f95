import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { NotFoundError, ValidationError, ConflictError } from '../../core/errors.js';
import { splitIdSpace, uuidToBigInt } from '../../core/id-space.js';
import { internalId } from '../../core/point-id.js';
import type { CollectionRef, Point } from '../../core/types.js';
import type { VectorStore } from '../../stores/port.js';
import { bytesOf, makePoint, rng, uniqueName } from '../helpers/data.js';
import { filterCases } from './filter-cases.js';
import { diffConformance } from './store-diff.conformance.js';
import { textlessConformance } from './store-textless.conformance.js';

/**
 * The store conformance suite: every adapter must pass it unchanged. `open` gives a store that
 * may already hold other collections (a real server), so each test works in its own collection.
 */
export function storeConformance(
  name: string,
  open: () => Promise<VectorStore>,
  options: { skip?: string } = {},
): void {
  describe.skipIf(options.skip !== undefined)(
    `store conformance: ${name}${options.skip ? ` (skipped: ${options.skip})` : ''}`,
    () => {
      let store: VectorStore;
      const created: CollectionRef[] = [];
      const fresh = async (
        dimension = 8,
        distance: 'cosine' | 'dot' | 'euclid' = 'cosine',
        model = 'm1',
        collection = uniqueName('conf'),
      ) => {
        const ref = { collection, model };
        await store.ensureCollection({ ...ref, dimension, distance });
        created.push(ref);
        return ref;
      };

      beforeAll(async () => {
        store = await open();
      });
      afterAll(async () => {
        for (const ref of created) await store.dropCollection(ref).catch(() => undefined);
        await store.close();
      });

      it('answers ping', async () => {
        await store.ping();
      });

      it('ensures a collection idempotently and refuses a different shape', async () => {
        const ref = await fresh(16);
        const again = await store.ensureCollection({ ...ref, dimension: 16, distance: 'cosine' });
        assert.equal(again.dimension, 16);
        await assert.rejects(store.ensureCollection({ ...ref, dimension: 32, distance: 'cosine' }), ConflictError);
        const [entry] = await store.catalog(ref.collection);
        assert.equal(entry.collection, ref.collection);
        assert.deepEqual(
          entry.models.map((m) => [m.model, m.dimension, m.distance, m.writeTarget]),
          [['m1', 16, 'cosine', false]],
        );
        assert.equal(entry.blue, null);
      });

      it('round-trips float32 values bit-exactly', async () => {
        const ref = await fresh(12, 'euclid');
        const special = [
          0,
          -0,
          1,
          -1,
          1.401298464324817e-45,
          -1.1754942106924411e-38,
          3.4028234663852886e38,
          0.1,
          1 / 3,
          Math.PI,
          1e-30,
          -7.5e20,
        ];
        const next = rng(7);
        const points: Point[] = [
          makePoint('special', 12, next),
          ...Array.from({ length: 50 }, (_, i) => makePoint(`r${i}`, 12, next)),
        ];
        points[0].vector = Float32Array.from(special);
        for (const p of points.slice(1))
          for (let i = 0; i < 12; i++) p.vector[i] = p.vector[i] * 10 ** Math.floor(next() * 40 - 20);
        await store.upsert(ref, points);
        const got = await store.get(
          ref,
          points.map((p) => p.id),
        );
        assert.equal(got.length, points.length);
        for (const [i, p] of got.entries())
          assert.equal(bytesOf(p.vector), bytesOf(points[i].vector), `vector of ${p.id}`);
        const page = await store.scan(ref, { limit: 100 });
        const byId = new Map(page.points.map((p) => [p.id, p]));
        for (const p of points) assert.equal(bytesOf(byId.get(p.id)!.vector), bytesOf(p.vector));
        // A point written alone takes another path in some adapters (binary parameter), and a
        // vector may be a view into a larger buffer (staged batches).
        const backing = new Float32Array(40);
        backing.set(special, 20);
        const alone = { ...points[0], id: 'special-alone', vector: backing.subarray(20, 32) };
        await store.upsert(ref, [alone], 'newer');
        const [gotAlone] = await store.get(ref, ['special-alone']);
        assert.equal(bytesOf(gotAlone.vector), bytesOf(Float32Array.from(special)));
      });

      it('round-trips payload JSON and int64 timestamps', async () => {
        const ref = await fresh(4);
        const payload = {
          text: 'Grüße, 世界 🙂',
          n: 42,
          f: -3.25,
          big: Number.MAX_SAFE_INTEGER,
          b: false,
          none: null,
          arr: [1, 'two', { three: [3] }, []],
          nested: { deep: { deeper: { k: 'v' } }, empty: {} },
          'key with spaces': 'x',
        };
        const ts = 1_732_000_000_123_456_789n;
        await store.upsert(ref, [{ id: 'p', vector: Float32Array.from([1, 2, 3, 4]), payload, timestamp: ts }]);
        const [got] = await store.get(ref, ['p']);
        assert.deepEqual(got.payload, payload);
        assert.equal(got.timestamp, ts);
      });

      it('keeps unicode and long ids as given', async () => {
        const ref = await fresh(4);
        const ids = ['ü/🙂 id', 'a#0', '  spaced  ', 'quote\'"', 'x'.repeat(4000), '1', 'UPPER', 'upper'];
        const next = rng(3);
        await store.upsert(
          ref,
          ids.map((id) => makePoint(id, 4, next)),
        );
        const got = await store.get(ref, [...ids, 'missing']);
        assert.deepEqual(
          got.map((p) => p.id),
          ids,
        );
        assert.equal(await store.count(ref), ids.length);
      });

      it('accepts empty batches', async () => {
        const ref = await fresh(4);
        assert.deepEqual(await store.upsert(ref, []), { written: [], skipped: [] });
        assert.deepEqual(await store.get(ref, []), []);
        assert.deepEqual(await store.delete(ref, []), []);
        assert.equal(await store.count(ref), 0);
        assert.deepEqual(await store.scan(ref, { limit: 10 }), { points: [], next: null });
      });

      it('applies write modes: overwrite, newer, absent', async () => {
        const ref = await fresh(4);
        const v = (x: number) => Float32Array.from([x, 0, 0, 1]);
        await store.upsert(ref, [{ id: 'a', vector: v(1), payload: { n: 1 }, timestamp: 10n }]);
        let r = await store.upsert(ref, [{ id: 'a', vector: v(2), payload: { n: 2 }, timestamp: 5n }], 'newer');
        assert.deepEqual(r, { written: [], skipped: ['a'] });
        r = await store.upsert(ref, [{ id: 'a', vector: v(3), payload: { n: 3 }, timestamp: 10n }], 'newer');
        assert.deepEqual(r, { written: [], skipped: ['a'] }, 'an equal timestamp is not newer');
        r = await store.upsert(
          ref,
          [
            { id: 'a', vector: v(4), payload: { n: 4 }, timestamp: 11n },
            { id: 'b', vector: v(5), payload: {}, timestamp: 1n },
          ],
          'newer',
        );
        assert.deepEqual(r.written.sort(), ['a', 'b']);
        r = await store.upsert(
          ref,
          [
            { id: 'a', vector: v(6), payload: { n: 6 }, timestamp: 99n },
            { id: 'c', vector: v(7), payload: {}, timestamp: 1n },
          ],
          'absent',
        );
        assert.deepEqual(r, { written: ['c'], skipped: ['a'] });
        let [a] = await store.get(ref, ['a']);
        assert.deepEqual([a.payload, a.timestamp, a.vector[0]], [{ n: 4 }, 11n, 4]);
        await store.upsert(ref, [{ id: 'a', vector: v(8), payload: { n: 8 }, timestamp: 1n }], 'overwrite');
        [a] = await store.get(ref, ['a']);
        assert.deepEqual([a.payload, a.timestamp], [{ n: 8 }, 1n]);
        // One id twice in a batch: 'newer' keeps the newest, 'overwrite' the last.
        await store.upsert(
          ref,
          [
            { id: 'd', vector: v(1), payload: { n: 'new' }, timestamp: 9n },
            { id: 'd', vector: v(1), payload: { n: 'old' }, timestamp: 2n },
          ],
          'newer',
        );
        assert.deepEqual((await store.get(ref, ['d']))[0].payload, { n: 'new' });
        await store.upsert(ref, [
          { id: 'd', vector: v(1), payload: { n: 'first' }, timestamp: 1n },
          { id: 'd', vector: v(1), payload: { n: 'last' }, timestamp: 1n },
        ]);
        assert.deepEqual((await store.get(ref, ['d']))[0].payload, { n: 'last' });
      });

      it("applies 'update' only to stored, older points", async () => {
        const ref = await fresh(4);
        const v = (x: number) => Float32Array.from([x, 1, 0, 0]);
        await store.upsert(ref, [{ id: 'u', vector: v(1), payload: { n: 1 }, timestamp: 10n }]);
        const r = await store.upsert(
          ref,
          [
            { id: 'u', vector: v(2), payload: { n: 2 }, timestamp: 20n },
            { id: 'missing', vector: v(3), payload: {}, timestamp: 20n },
          ],
          'update',
        );
        assert.deepEqual(r, { written: ['u'], skipped: ['missing'] });
        assert.deepEqual(
          (await store.upsert(ref, [{ id: 'u', vector: v(4), payload: { n: 4 }, timestamp: 15n }], 'update')).skipped,
          ['u'],
        );
        const [u] = await store.get(ref, ['u']);
        assert.deepEqual([u.payload, u.timestamp], [{ n: 2 }, 20n]);
        assert.deepEqual(await store.get(ref, ['missing']), []);
      });

      it('deletes conditionally on timestamps', async () => {
        const ref = await fresh(4);
        const next = rng(9);
        const base = 1_700_000_000_000_000_000n;
        await store.upsert(
          ref,
          [1, 2, 3, 4, 5].map((i) => makePoint(`t${i}`, 4, next, {}, base + BigInt(i) * 1_000_000_001n)),
        );
        assert.deepEqual(
          await store.delete(ref, ['t5'], { notNewerThan: base + 5n * 1_000_000_001n - 1n }),
          [],
          'a newer point survives a late delete',
        );
        assert.deepEqual(await store.delete(ref, ['t5'], { notNewerThan: base + 5n * 1_000_000_001n }), ['t5']);
        const ts = (i: number) => base + BigInt(i) * 1_000_000_001n;
        const removed = await store.deleteByTimestamp(ref, [
          { operator: 'ge', timestamp: ts(2) },
          { operator: 'ne', timestamp: ts(3) },
        ]);
        assert.deepEqual(removed.sort(), ['t2', 't4']);
        assert.deepEqual((await store.deleteByTimestamp(ref, [{ operator: 'lt', timestamp: ts(3) }])).sort(), ['t1']);
        assert.deepEqual((await store.deleteByTimestamp(ref, [{ operator: 'eq', timestamp: ts(3) }])).sort(), ['t3']);
        assert.equal(await store.count(ref), 0);
        await assert.rejects(store.deleteByTimestamp(ref, []), ValidationError);
      });

      it('refuses a vector of the wrong dimension, naming the id', async () => {
        const ref = await fresh(4);
        await assert.rejects(
          store.upsert(ref, [{ id: 'bad-one', vector: new Float32Array(3), payload: {}, timestamp: 1n }]),
          (err: unknown) => {
            assert.ok(err instanceof ValidationError);
            assert.match(err.message, /bad-one/);
            return true;
          },
        );
      });

      it('scans in internal-id order, resumes from a cursor and honours range bounds', async () => {
        const ref = await fresh(4);
        const next = rng(11);
        const ids = Array.from({ length: 237 }, (_, i) => `item-${i}`);
        await store.upsert(
          ref,
          ids.map((id) => makePoint(id, 4, next)),
        );
        const order = [...ids].sort((a, b) => (uuidToBigInt(internalId(a)) < uuidToBigInt(internalId(b)) ? -1 : 1));

        const pages: string[][] = [];
        let cursor: string | null = null;
        do {
          const page = await store.scan(ref, { limit: 40, cursor, withVectors: false });
          pages.push(page.points.map((p) => p.id));
          cursor = page.next;
        } while (cursor);
        assert.deepEqual(pages.flat(), order, 'whole scan in internal-id order');

        // Ids and timestamps only (the version-comparing passes): same order, payload left out.
        const bare = await store.scan(ref, { limit: 1000, withVectors: false, withPayload: false });
        assert.deepEqual(
          bare.points.map((p) => p.id),
          order,
        );
        assert.ok(bare.points.every((p) => p.timestamp === 1n && Object.keys(p.payload).length === 0));
        const bareWithVectors = await store.scan(ref, { limit: 3, withPayload: false });
        assert.equal(bareWithVectors.points[0].vector.length, 4);

        // Resume from the cursor of the second page: the rest follows exactly.
        const first = await store.scan(ref, { limit: 40 });
        const second = await store.scan(ref, { limit: 40, cursor: first.next });
        const rest = await store.scan(ref, { limit: 1000, cursor: second.next });
        assert.deepEqual(
          [...first.points, ...second.points, ...rest.points].map((p) => p.id),
          order,
        );

        const shards = splitIdSpace(5);
        const seen: string[] = [];
        for (const range of shards) {
          let c: string | null = null;
          const inShard: string[] = [];
          do {
            const page = await store.scan(ref, { range, cursor: c, limit: 17, withVectors: false });
            inShard.push(...page.points.map((p) => p.id));
            c = page.next;
          } while (c);
          for (const id of inShard) {
            const n = uuidToBigInt(internalId(id));
            assert.ok(range.start === null || n >= uuidToBigInt(range.start), `${id} below its shard`);
            assert.ok(range.end === null || n < uuidToBigInt(range.end), `${id} above its shard`);
          }
          seen.push(...inShard);
        }
        assert.deepEqual(seen, order, 'shards partition the collection in order');
      });

      diffConformance(
        () => store,
        (dimension, model, collection) => fresh(dimension, 'cosine', model, collection),
      );
      textlessConformance(
        () => store,
        () => fresh(4),
      );

      it('scans with a payload filter, still covering the whole range', async () => {
        const ref = await fresh(4);
        const { points, cases } = filterCases();
        await store.upsert(ref, points);
        const c = cases.find((x) => x.name === 'or')!;
        const found: string[] = [];
        let cursor: string | null = null;
        do {
          const page = await store.scan(ref, { limit: 7, cursor, filter: c.filter, withVectors: false });
          found.push(...page.points.map((p) => p.id));
          cursor = page.next;
        } while (cursor);
        assert.deepEqual(found.sort(), c.expected);
      });

      it('evaluates every filter operator like the reference evaluator', async () => {
        const ref = await fresh(4);
        const { points, cases } = filterCases();
        await store.upsert(ref, points);
        for (const c of cases) {
          const hits = await store.search(ref, Float32Array.from([1, 0, 0, 0]), { k: 1000, filter: c.filter });
          assert.deepEqual(hits.map((h) => h.id).sort(), c.expected, `filter ${c.name}`);
          assert.equal(await store.count(ref, c.filter), c.expected.length, `count ${c.name}`);
        }
      });

      it('deletes by ids and by filter', async () => {
        const ref = await fresh(4);
        const { points, cases } = filterCases();
        await store.upsert(ref, points);
        assert.deepEqual((await store.delete(ref, ['p0', 'missing', 'p1'])).sort(), ['p0', 'p1']);
        const c = cases.find((x) => x.name === 'range-gte')!;
        const expected = c.expected.filter((id) => id !== 'p0' && id !== 'p1');
        assert.equal(await store.deleteByFilter(ref, c.filter!), expected.length);
        const left = await store.get(
          ref,
          points.map((p) => p.id),
        );
        assert.deepEqual(
          left.map((p) => p.id).sort(),
          points
            .map((p) => p.id)
            .filter((id) => !['p0', 'p1', ...expected].includes(id))
            .sort(),
        );
      });

      it('finds nearest neighbours with the collection distance', async () => {
        const ref = await fresh(8);
        const next = rng(5);
        const points = Array.from({ length: 60 }, (_, i) => makePoint(`n${i}`, 8, next, { i }));
        await store.upsert(ref, points);
        const hits = await store.search(ref, points[17].vector, { k: 5 });
        assert.equal(hits[0].id, 'n17');
        assert.ok(Math.abs(hits[0].score - 1) < 1e-5, `cosine score of itself is 1, got ${hits[0].score}`);
        assert.ok(hits.every((h, i) => i === 0 || h.score <= hits[i - 1].score));
        assert.deepEqual(hits[0].payload, { i: 17 });
        await assert.rejects(store.search(ref, new Float32Array(3), { k: 1 }), ValidationError);
      });

      it('switches blue atomically and tracks write targets', async () => {
        const collection = uniqueName('blue');
        const m1 = await fresh(4, 'cosine', 'm1', collection);
        const m2 = await fresh(6, 'dot', 'm2', collection);
        await assert.rejects(store.setBlue({ collection, model: 'nope' }), NotFoundError);
        assert.equal(await store.getBlue(collection), null);
        await store.setBlue(m1);
        assert.equal(await store.getBlue(collection), 'm1');
        await store.setBlue(m2);
        assert.equal(await store.getBlue(collection), 'm2');
        await store.setWriteTarget(m1, true);
        const [entry] = await store.catalog(collection);
        assert.equal(entry.blue, 'm2');
        assert.deepEqual(entry.models.map((m) => [m.model, m.writeTarget]).sort(), [
          ['m1', true],
          ['m2', false],
        ]);
        await store.dropCollection(m2);
        assert.equal(await store.getBlue(collection), null, 'dropping the blue model clears blue');
        await assert.rejects(store.count(m2), NotFoundError);
        await assert.rejects(store.upsert({ collection: uniqueName('none'), model: 'm' }, []), NotFoundError);
      });
    },
  );
}
