import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { bytesOf } from '../helpers/data.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { WRITE_TARGET_GRACE_MS } from '../../core/reindex.js';

// Vald semantics through the API, on a real Temporal dev server and the embedded store.
const items = { collection: 'items', model: 'hash-384' };
const vec = (x: number, dim = 384) => Array.from({ length: dim }, (_, i) => (i === 0 ? x : (i % 5) / 10));

describe('Vald-semantics API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.stop());

  const call = (op: string, body: unknown, query = '') => stack.api(`/api/v1/vald/${op}${query}`, { body });
  const write = (op: string, id: string, x: number, config: Record<string, unknown> = {}) =>
    call(op, { vector: { id, vector: vec(x) }, config });
  const stored = async (id: string) => (await stack.store.get(items, [id]))[0];

  it('inserts, answering a Location; an existing id is ALREADY_EXISTS and stays as it was', async () => {
    const ok = await write('insert', 'ins-1', 1, { timestamp: '1000' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { name: 'items__hash-384', uuid: 'ins-1', ips: [] });
    const again = await write('insert', 'ins-1', 2, { timestamp: '2000' });
    assert.equal(again.status, 409);
    assert.deepEqual([again.body.code, again.body.status], [6, 'ALREADY_EXISTS']);
    const p = await stored('ins-1');
    assert.deepEqual([p.vector[0], p.timestamp], [1, 1000n], 'vector and timestamp unchanged');
    const skipped = await write('insert', 'ins-1', 3, {
      timestamp: '3000',
      skip_strict_exist_check: true,
      disable_balanced_update: true,
    });
    assert.equal(skipped.status, 200, 'skip_strict_exist_check writes over it');
    assert.equal((await stored('ins-1')).vector[0], 3);
  });

  it('refuses invalid requests with INVALID_ARGUMENT (400, code 3)', async () => {
    const bad: [unknown, RegExp][] = [
      [{ vector: { id: '', vector: vec(1) } }, /vector\.id/],
      [{ vector: { id: 'x', vector: [1] } }, /between 2 and 65536/],
      [{ vector: { id: 'x', vector: new Array(65_537).fill(0) } }, /between 2 and 65536/],
      [{ vector: { id: 'x', vector: vec(1, 100) } }, /dimension 100, the collection's is 384/],
      [
        { vector: { id: 'x', vector: [...vec(1).slice(1), 'Infinity'] } },
        /vector\.vector\[383\] is not a finite number/,
      ],
      [{ vector: { id: 'x', vector: [...vec(1).slice(1), null] } }, /not a finite number/],
      [{ vector: { id: 'x', vector: vec(1) }, config: { timestamp: 'yesterday' } }, /config\.timestamp/],
      [{}, /vector\.id/],
    ];
    for (const [body, re] of bad) {
      const res = await call('insert', body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.deepEqual([res.body.code, res.body.status], [3, 'INVALID_ARGUMENT']);
      assert.match(res.body.message, re);
    }
    assert.equal((await call('remove', { id: { id: '' } })).body.code, 3);
    assert.equal((await call('insert', { vector: { id: 'x', vector: vec(1) } }, '?collection=nope')).status, 404);
  });

  it('updates: NOT_FOUND, identical vector ALREADY_EXISTS unless newer, older writes ignored and reported', async () => {
    assert.deepEqual((await write('update', 'upd-missing', 1)).body.code, 5);
    await write('insert', 'upd', 1, { timestamp: '100' });
    const same = await write('update', 'upd', 1, { timestamp: '100' });
    assert.deepEqual([same.status, same.body.code], [409, 6]);
    const newerSame = await write('update', 'upd', 1, { timestamp: '150' });
    assert.equal(newerSame.status, 200);
    assert.deepEqual(
      [(await stored('upd')).timestamp, (await stored('upd')).vector[0]],
      [150n, 1],
      'only the timestamp moved',
    );
    const older = await write('update', 'upd', 9, { timestamp: '120' });
    assert.deepEqual([older.status, older.body.code, older.body.status], [409, 10, 'ABORTED']);
    assert.equal((await stored('upd')).vector[0], 1, 'the older write was ignored');
    assert.equal((await write('update', 'upd', 9, { timestamp: '200' })).status, 200);
    assert.deepEqual([(await stored('upd')).vector[0], (await stored('upd')).timestamp], [9, 200n]);
  });

  it('upserts: inserts new ids, same rules as update for existing ones', async () => {
    assert.equal((await write('upsert', 'ups', 1, { timestamp: '10' })).status, 200);
    assert.equal((await write('upsert', 'ups', 1, { timestamp: '10' })).body.code, 6);
    assert.equal((await write('upsert', 'ups', 1, { timestamp: '11' })).status, 200);
    assert.equal((await write('upsert', 'ups', 2, { timestamp: '5' })).body.code, 10);
    assert.equal((await write('upsert', 'ups', 2)).status, 200, 'default timestamp is now, newer than 11');
    const p = await stored('ups');
    assert.equal(p.vector[0], 2);
    assert.ok(p.timestamp > 1_700_000_000_000_000_000n, `server time in ns: ${p.timestamp}`);
  });

  it('removes: NOT_FOUND for missing ids; a remove older than the stored write is ignored', async () => {
    assert.equal((await call('remove', { id: { id: 'rm-missing' } })).status, 404);
    await write('insert', 'rm', 1, { timestamp: '500' });
    const late = await call('remove', { id: { id: 'rm' }, config: { timestamp: '400' } });
    assert.deepEqual([late.status, late.body.code], [409, 10]);
    assert.ok(await stored('rm'));
    const ok = await call('remove', { id: { id: 'rm' } });
    assert.deepEqual(ok.body, { name: 'items__hash-384', uuid: 'rm', ips: [] });
    assert.equal(await stored('rm'), undefined);
  });

  it('lets the newest timestamp win between concurrent writes to one id', async () => {
    const stamps = Array.from({ length: 16 }, (_, i) => 1000 + ((i * 7919) % 16) * 10);
    const results = await Promise.all(stamps.map((ts, i) => write('upsert', 'race', i + 1, { timestamp: String(ts) })));
    const winner = stamps.indexOf(Math.max(...stamps));
    const p = await stored('race');
    assert.equal(p.timestamp, BigInt(Math.max(...stamps)));
    assert.equal(p.vector[0], winner + 1, 'the vector of the newest write');
    assert.equal(results[winner].status, 200);
    for (const r of results) assert.ok(r.status === 200 || r.body.code === 10, JSON.stringify(r.body));
    const inserts = await Promise.all(Array.from({ length: 8 }, (_, i) => write('insert', 'race-insert', i)));
    assert.equal(inserts.filter((r) => r.status === 200).length, 1, 'exactly one concurrent insert wins');
    assert.ok(inserts.filter((r) => r.status !== 200).every((r) => r.body.code === 6));
  });

  it('multi-*: applies every valid request and answers index-aligned', async () => {
    const res = await call('multi-insert', {
      requests: [
        { vector: { id: 'm-1', vector: vec(1) } },
        { vector: { id: '', vector: vec(1) } },
        { vector: { id: 'm-2', vector: vec(2, 3) } },
        { vector: { id: 'm-3', vector: vec(3) } },
        { vector: { id: 'm-1', vector: vec(4) } },
      ],
    });
    assert.equal(res.status, 200);
    const codes = res.body.results.map((r: { location?: unknown; status?: { code: number } }) =>
      r.location ? 0 : r.status!.code,
    );
    assert.deepEqual(codes, [0, 3, 3, 0, 6]);
    assert.equal(res.body.results[3].location.uuid, 'm-3');
    assert.deepEqual(
      (await stack.store.get(items, ['m-1', 'm-2', 'm-3'])).map((p) => [p.id, p.vector[0]]),
      [
        ['m-1', 1],
        ['m-3', 3],
      ],
    );
    const removed = await call('multi-remove', {
      requests: [{ id: { id: 'm-1' } }, { id: { id: 'nope' } }, { id: { id: 'm-3' } }],
    });
    assert.deepEqual(
      removed.body.results.map((r: { location?: unknown; status?: { code: number } }) =>
        r.location ? 0 : r.status!.code,
      ),
      [0, 5, 0],
    );
    assert.equal((await call('multi-upsert', { requests: [] })).status, 400);
  });

  it('stream-*: one NDJSON line per request, bad lines answered without ending the stream', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1200; i++) {
      if (i % 100 === 7) lines.push('{not json');
      else if (i % 100 === 8) lines.push(JSON.stringify({ vector: { id: `s-${i}`, vector: [1, 2] } }));
      else lines.push(JSON.stringify({ vector: { id: `s-${i}`, vector: vec(i) } }));
    }
    const res = await fetch(`${stack.apiUrl}/api/v1/vald/stream-upsert`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.join('\n') + '\n',
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /ndjson/);
    const out = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 1200);
    assert.deepEqual(
      out.map((o) => o.index).sort((a, b) => a - b),
      Array.from({ length: 1200 }, (_, i) => i),
    );
    for (const o of out) {
      if (o.index % 100 === 7) assert.equal(o.status.code, 3);
      else if (o.index % 100 === 8) assert.deepEqual([o.id, o.status.code], [`s-${o.index}`, 3]);
      else assert.deepEqual([o.id, o.location.uuid], [`s-${o.index}`, `s-${o.index}`]);
    }
    assert.equal((await stack.store.count(items, undefined)) >= 1176, true);
    assert.equal((await stack.store.get(items, ['s-1199']))[0].vector[0], 1199);
  });

  it('stream-*: a line over 4 MiB is refused as it streams, without buffering it, and the stream goes on', async () => {
    const MiB = 1024 * 1024;
    const block = Buffer.alloc(MiB, 'x');
    const good = JSON.stringify({ vector: { id: 'after-huge', vector: vec(3) } });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent < 256)
          c.enqueue(block); // 256 MiB without a newline: one line
        else if (sent === 256) c.enqueue(Buffer.from(`\n${good}\n`));
        else c.close();
        sent++;
      },
    });
    const before = process.memoryUsage().rss;
    const res = await fetch(`${stack.apiUrl}/api/v1/vald/stream-upsert`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
      duplex: 'half',
    } as RequestInit);
    const out = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const grown = process.memoryUsage().rss - before;
    assert.equal(res.status, 200);
    assert.deepEqual(out.map((o) => [o.index, o.status?.code ?? 0]).sort(), [
      [0, 3],
      [1, 0],
    ]);
    assert.match(
      out.find((o) => o.index === 0).status.message,
      /line 1 is 268435456 bytes, over the 4194304-byte limit/,
    );
    assert.ok(grown < 128 * MiB, `the API grew by ${Math.round(grown / MiB)} MiB reading one 256 MiB line`);
    assert.equal((await stack.store.get(items, ['after-huge'])).length, 1);
  });

  it('remove-by-timestamp: ANDed operators; an empty list is INVALID_ARGUMENT', async () => {
    const empty = await call('remove-by-timestamp', { timestamps: [] });
    assert.deepEqual([empty.status, empty.body.code], [400, 3]);
    for (const [i, ts] of [11, 12, 13, 14].entries()) await write('insert', `rbt-${i}`, i, { timestamp: String(ts) });
    const res = await call('remove-by-timestamp', {
      timestamps: [
        { timestamp: '12', operator: 'GE' },
        { timestamp: '14', operator: 'Lt' },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.locations.map((l: { uuid: string }) => l.uuid).sort(), ['rbt-1', 'rbt-2']);
    assert.deepEqual(
      (await stack.store.get(items, ['rbt-0', 'rbt-1', 'rbt-2', 'rbt-3'])).map((p) => p.id),
      ['rbt-0', 'rbt-3'],
    );
    assert.equal(
      (await call('remove-by-timestamp', { timestamps: [{ timestamp: '1', operator: 'ALMOST' }] })).body.code,
      3,
    );
  });

  it('reads back: exists, object (vector + timestamp), timestamp; NOT_FOUND otherwise', async () => {
    await write('insert', 'read/me ü', 0.5, { timestamp: '1732000000123456789' });
    const id = encodeURIComponent('read/me ü');
    assert.deepEqual((await stack.api(`/api/v1/vald/exists/${id}`)).body, { id: 'read/me ü' });
    const obj = (await stack.api(`/api/v1/vald/object/${id}`)).body;
    assert.equal(obj.timestamp, '1732000000123456789');
    assert.equal(bytesOf(Float32Array.from(obj.vector)), bytesOf(Float32Array.from(vec(0.5))));
    assert.deepEqual((await stack.api(`/api/v1/vald/timestamp/${id}`)).body, {
      id: 'read/me ü',
      timestamp: '1732000000123456789',
    });
    const missing = await stack.api('/api/v1/vald/exists/nothing-here');
    assert.deepEqual([missing.status, missing.body.code, missing.body.status], [404, 5, 'NOT_FOUND']);
    assert.equal(
      (await stack.api(`/api/v1/vald/exists/${id}?collection=categories`)).status,
      404,
      'collections are separate',
    );
  });

  it('writes through the shared routing: a registered write target receives task writes and Vald removes', async () => {
    const dest = { collection: 'items', model: 'hash-256' };
    await stack.store.ensureCollection({ ...dest, dimension: 256, distance: 'cosine' });
    await stack.store.setWriteTarget(dest, true);
    // As a reindex does: a registration reaches every writer within the write-target lease.
    await new Promise((r) => setTimeout(r, WRITE_TARGET_GRACE_MS));
    try {
      const t = await stack.api('/api/v1/embeddings/upsertion-tasks/run', {
        body: { items: [{ object_id: 'routed', payload: { title: 'routed to both' } }] },
      });
      for (
        let i = 0;
        i < 100 && (await stack.api(`/api/v1/embeddings/upsertion-tasks/${t.body.id}`)).body.status !== 'done';
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
      const [copy] = await stack.store.get(dest, ['routed']);
      assert.equal(copy.vector.length, 256, 'embedded with the destination model');
      assert.equal(copy.timestamp, (await stored('routed')).timestamp);
      assert.equal((await call('remove', { id: { id: 'routed' } })).status, 200);
      assert.deepEqual(await stack.store.get(dest, ['routed']), [], 'the remove reached the destination too');
    } finally {
      await stack.store.setWriteTarget(dest, false);
    }
  });
});
