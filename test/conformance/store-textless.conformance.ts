import assert from 'node:assert/strict';
import { it } from 'vitest';
import type { CollectionRef } from '../../core/types.js';
import type { VectorStore } from '../../stores/port.js';
import { makePoint, rng } from '../helpers/data.js';

/**
 * The store port's `scanTextless` (a reindex's check for items it cannot re-embed), part of the
 * store conformance suite: every point without a letter or digit under the fields, and every
 * chunk id, comes back with its payload, in pages. An adapter may return more; one that filters
 * (Postgres) must leave out the points with text.
 */
export function textlessConformance(store: () => VectorStore, fresh: () => Promise<CollectionRef>): void {
  it('finds the points that may have no text: none under the fields, or a chunk id', async () => {
    const ref = await fresh();
    const payloads: Record<string, Record<string, unknown>> = {
      titled: { title: 'hello' },
      other: { other: 'words 42' },
      blank: { title: ' \t\n' },
      empty: {},
      spaces: { title: '\u00a0\u3000\ufeff' },
      number: { title: 7, n: 3 },
      list: { title: ['a', 'b'] },
      punctuation: { title: '...' },
      'doc#1': { object_id: 'doc', title: 'a chunk' },
    };
    const next = rng(5);
    await store().upsert(
      ref,
      Object.entries(payloads).map(([id, payload]) => makePoint(id, 4, next, payload, 3n)),
    );
    const read = async (fields: string[] | null) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store().scanTextless(ref, { fields, cursor, limit: 2 });
        for (const p of page.points) {
          assert.deepEqual([p.payload, p.timestamp], [payloads[p.id], 3n], `${p.id} with its payload`);
          ids.push(p.id);
        }
        cursor = page.next;
        pages++;
      } while (cursor !== null && pages < 20);
      assert.equal(cursor, null, 'the pages end');
      assert.equal(new Set(ids).size, ids.length, 'each point once');
      return ids.sort();
    };
    const textless = ['blank', 'doc#1', 'empty', 'list', 'number', 'punctuation', 'spaces'];
    const anyField = await read(null);
    for (const id of textless) assert.ok(anyField.includes(id), `${id} (any field) in ${anyField}`);
    const titleOnly = await read(['title']);
    for (const id of [...textless, 'other'])
      assert.ok(titleOnly.includes(id), `${id} (text under title only) in ${titleOnly}`);
    if (store().kind === 'postgres') {
      assert.deepEqual(anyField, textless, 'Postgres filters in the database');
      assert.deepEqual(titleOnly, [...textless, 'other'].sort());
    }
  });
}
