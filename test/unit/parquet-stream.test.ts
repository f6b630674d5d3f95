import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, it } from 'vitest';
import type { Point } from '../../core/types.js';
import { Digest } from '../../datafiles/digest.js';
import { parquetInfo, readParquet, sha256File } from '../../datafiles/parquet.js';
import { digestPoints, streamParquetPoints } from '../../datafiles/parquet-stream.js';

// A backup part is written by a thread of its own while its points are scanned: what it writes
// must be exactly the points it was given (any order), its digest theirs, its sha256 the file's;
// and a source that fails, or a file that cannot be written, leaves nothing behind.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-parquet-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function points(n: number, dim: number): Point[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `p-${i}`,
    // Dimensions differ row to row: each row's floats are placed by its own offset.
    vector: Float32Array.from({ length: dim + (i % 3) }, (_, j) => Math.fround(Math.sin(i * 31 + j) * 1e3) / 7),
    payload: i % 5 === 0 ? {} : { n: i, tag: `t${i % 7}`, nested: { z: [1, null, 'x'], a: -0 } },
    timestamp: BigInt(i) * 1_000_000_007n,
  }));
}

async function* pages(all: Point[], size: number, failAfter = Infinity): AsyncGenerator<Point[]> {
  for (let s = 0; s < all.length; s += size) {
    if (s >= failAfter) throw new Error('the scan broke');
    yield all.slice(s, s + size);
  }
}

describe('streamParquetPoints', () => {
  it('writes every point exactly, with its metadata, digest and sha256', async () => {
    const all = points(5_000, 24);
    const file = path.join(dir, 'all.parquet');
    const written = await streamParquetPoints(file, pages(all, 700), { vecflow_model: 'm', other: "it's" });
    const digest = new Digest();
    for (const p of all) digest.add(p);
    assert.equal(written.rows, all.length);
    assert.equal(written.digest, digest.hex());
    assert.equal(written.sha256, await sha256File(file));
    const info = await parquetInfo(file);
    for (const c of ['id', 'vector', 'payload', 'timestamp']) assert.ok(info.columns.includes(c), c);
    assert.deepEqual(info.metadata, { vecflow_model: 'm', other: "it's" });
    const back: Point[] = [];
    for await (const batch of readParquet(file)) back.push(...batch);
    back.sort((a, b) => Number(a.id.slice(2)) - Number(b.id.slice(2)));
    assert.equal(back.length, all.length);
    for (let i = 0; i < all.length; i++) {
      assert.equal(back[i].id, all[i].id);
      assert.deepEqual(Array.from(back[i].vector), Array.from(all[i].vector), `vector of ${all[i].id}`);
      assert.deepEqual(back[i].payload, JSON.parse(JSON.stringify(all[i].payload)));
      assert.equal(back[i].timestamp, all[i].timestamp);
    }
    assert.deepEqual(readdirSync(dir), ['all.parquet'], 'no temporary file left');
  });

  it('writes an empty file for no points', async () => {
    const file = path.join(dir, 'empty.parquet');
    const written = await streamParquetPoints(file, pages([], 10), {});
    assert.equal(written.rows, 0);
    assert.equal(written.digest, new Digest().hex());
    assert.equal((await parquetInfo(file)).rows, 0);
  });

  it('a source that fails rejects with its error and leaves no file', async () => {
    const file = path.join(dir, 'broken.parquet');
    await assert.rejects(streamParquetPoints(file, pages(points(3_000, 8), 500, 1_500), {}), /the scan broke/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('broken')),
      [],
    );
  });

  it('a file that cannot be written rejects naming it', async () => {
    const file = path.join(dir, 'no-such-dir', 'x.parquet');
    await assert.rejects(streamParquetPoints(file, pages(points(100, 8), 50), {}), /writing x\.parquet: /);
  });

  it('after failures, the kept writer threads write files side by side', async () => {
    const sets = [points(1_200, 16), points(900, 32)];
    const written = await Promise.all(
      sets.map((set, i) => streamParquetPoints(path.join(dir, `side-${i}.parquet`), pages(set, 250), {})),
    );
    sets.forEach((set, i) => {
      const digest = new Digest();
      for (const p of set) digest.add(p);
      assert.deepEqual([written[i].rows, written[i].digest], [set.length, digest.hex()]);
    });
  });

  it('digests points without a file, and a failing source rejects with its error', async () => {
    const all = points(2_345, 12);
    const digest = new Digest();
    for (const p of all) digest.add(p);
    assert.deepEqual(await digestPoints(pages(all, 400)), { rows: all.length, digest: digest.hex() });
    await assert.rejects(digestPoints(pages(all, 400, 800)), /the scan broke/);
    assert.deepEqual(await digestPoints(pages([], 10)), { rows: 0, digest: new Digest().hex() });
  });

  it('a process that wrote a file exits by itself: a kept writer thread does not hold it open', async () => {
    const file = path.join(dir, 'from-a-process.parquet');
    const script = `
      const { streamParquetPoints } = await import(${JSON.stringify(path.resolve('datafiles/parquet-stream.ts'))});
      async function* one() { yield [{ id: 'a', vector: Float32Array.of(1, 2), payload: {}, timestamp: 1n }]; }
      const written = await streamParquetPoints(${JSON.stringify(file)}, one(), {});
      console.log(written.rows);`;
    const entry = path.join(dir, 'write-one.mjs');
    writeFileSync(entry, script);
    // Without the thread unreferenced, the child would never exit and the timeout would kill it.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', entry], { timeout: 60_000 });
    assert.equal(stdout.trim(), '1');
    assert.ok(existsSync(file));
  });
});
