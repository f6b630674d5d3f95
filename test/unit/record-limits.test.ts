import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { duckdb } from '../../datafiles/duckdb.js';
import { type Line, MAX_RECORD_BYTES, boundedLines, csvSplitter } from '../../datafiles/lines.js';
import { parquetFootprint } from '../../datafiles/parquet-limits.js';
import { type ReadRow, csvRows, jsonlRows } from '../../datafiles/readers.js';
import { planSource } from '../../datafiles/sources.js';

// Records are capped before they are buffered: a line or CSV record over the cap becomes one
// error and reading goes on; a Parquet file over the limits is refused from its footer.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-limits-'));
const collect = async <T>(g: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of g) out.push(x);
  return out;
};
/** The text cut into chunks of `size` bytes, as a stream would deliver it. */
async function* chunked(text: string, size: number) {
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
const summary = (lines: Line[]) => lines.map((l) => ('tooLong' in l ? `!${l.bytes}:${l.head.slice(0, 10)}` : l.text));

describe('bounded records', () => {
  it('split lines across any chunking, report the ones over the cap with their length, and keep offsets', async () => {
    const text = 'ab\r\n0123456789xyz\nc\n\nlast';
    for (const size of [1, 2, 3, 5, 64]) {
      const lines = await collect(boundedLines(chunked(text, size), 10, 100));
      assert.deepEqual(summary(lines), ['ab', '!13:0123456789', 'c', '', 'last'], `chunks of ${size}`);
      assert.deepEqual(
        lines.map((l) => l.end),
        [104, 118, 120, 121, 125],
      );
    }
  });

  it('split CSV records only at newlines outside quotes, "" included, across chunks', async () => {
    const text = 'a,"x\n""y""\n",b\nc,"",d\n"q\n';
    for (const size of [1, 2, 4, 100]) {
      const records = await collect(boundedLines(chunked(text, size), 1000, 0, csvSplitter()));
      assert.deepEqual(summary(records), ['a,"x\n""y""\n",b', 'c,"",d', '"q\n'], `chunks of ${size}`);
    }
  });

  it('hold no more than the cap of a line without a newline', async () => {
    const MiB = 1024 * 1024;
    const block = Buffer.alloc(MiB, 'x');
    async function* huge() {
      for (let i = 0; i < 512; i++) yield block;
    }
    const before = process.memoryUsage();
    const [line] = await collect(boundedLines(huge(), 4 * MiB));
    const after = process.memoryUsage();
    assert.ok('tooLong' in line && line.bytes === 512 * MiB);
    const grown = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
    assert.ok(grown < 64 * MiB, `grew by ${Math.round(grown / MiB)} MiB for a 512 MiB line`);
  });

  it('JSONL and CSV: a record over MAX_RECORD_BYTES is one row error; the rows around it are read', async () => {
    const huge = 'x'.repeat(MAX_RECORD_BYTES + 10);
    const jsonl = path.join(dir, 'huge.jsonl');
    writeFileSync(jsonl, `{"id":"a"}\n{"id":"${huge}"}\n{"id":"b"}\n`);
    const rows = await collect(jsonlRows(jsonl, { pos: 0, index: 0 }));
    assert.deepEqual(
      rows.map((r) => ('row' in r ? r.row.id : r.error)),
      ['a', `line 2 is ${huge.length + 9} bytes, over the ${MAX_RECORD_BYTES}-byte limit of one record`, 'b'],
    );
    assert.equal((rows[1] as { data: string }).data.length, 2000, 'the error keeps the first 2000 bytes');
    const csv = path.join(dir, 'huge.csv');
    writeFileSync(csv, `id,v\na,1\nb,"${huge}\n"\nc,3\nd,"unclosed\n`);
    const crows: ReadRow[] = await collect(csvRows(csv, ['id', 'v'], { pos: 0, index: 0 }));
    assert.deepEqual(
      crows.map((r) => ('row' in r ? r.row.id : r.error.split(':')[0])),
      [
        'a',
        `row 2 is ${huge.length + 5} bytes, over the ${MAX_RECORD_BYTES}-byte limit of one record`,
        'c',
        'Invalid CSV',
      ],
    );
    const rest = await collect(csvRows(csv, ['id', 'v'], crows[1].next));
    assert.deepEqual(
      rest.map((r) => r.index),
      [3, 4],
      'reading resumes after the long record',
    );
  });

  it('Parquet: the footer tells rows and decoded size; a file over either limit is refused before decoding', async () => {
    const bomb = path.join(import.meta.dirname, '../fixtures/billion-rows.parquet');
    const con = await duckdb();
    try {
      assert.deepEqual(await parquetFootprint(con, bomb), { rows: 1e9, decodedBytes: 21e9 });
    } finally {
      con.closeSync();
    }
    const work = mkdtempSync(path.join(dir, 'work-'));
    // Within the limits: any statistics (a backslash once broke the estimate) and vectors pass.
    const ok = path.join(dir, 'ok.parquet');
    const c2 = await duckdb();
    await c2.run(
      `COPY (SELECT 'a\\x' || i AS id, [i, 1.5]::FLOAT[] AS values FROM range(100) t(i)) TO '${ok}' (FORMAT parquet)`,
    );
    c2.closeSync();
    const plan = await planSource(ok, 'parquet', work, { maxRows: 100, maxDecodedBytes: 1e6 });
    assert.deepEqual([plan.total, plan.dimension], [100, 2]);
    await assert.rejects(
      planSource(bomb, 'parquet', work, { maxRows: 100_000_000, maxDecodedBytes: 20e9 }),
      /holds 1000000000 rows; an import takes at most 100000000 \(VECFLOW_IMPORT_MAX_ROWS\)/,
    );
    await assert.rejects(
      planSource(bomb, 'parquet', work, { maxRows: 2e9, maxDecodedBytes: 20e9 }),
      /decodes to about 21000000000 bytes, over the 20000000000-byte limit/,
    );
  });
});
