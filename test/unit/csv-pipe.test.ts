import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { collectionColumns, csvToParquet } from '../../datafiles/langchain-parquet.js';
import { throughPipe } from '../../datafiles/csv-pipe.js';

// CSV streamed into DuckDB through a named pipe (LangChain backups): every row arrives, and a
// failure on either side ends both with the error that explains it, leaving no file behind.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-csv-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const vector = (i: number) => `"[${Array.from({ length: 64 }, (_, d) => (i + d) / 7).join(',')}]"`;
async function* pages(count: number, rowsPerPage: number, failAfter = Infinity): AsyncGenerator<Buffer> {
  for (let p = 0; p < count; p++) {
    if (p >= failAfter) throw new Error('the database went away');
    const lines: string[] = [];
    for (let r = 0; r < rowsPerPage; r++) {
      const i = p * rowsPerPage + r;
      lines.push(`doc-${i},"line one\nline ""two"", ${i}","{""i"": ${i}}",${vector(i)}`);
    }
    yield Buffer.from(lines.join('\n') + '\n');
  }
}
const columns = collectionColumns(['id'], 'float');

describe('CSV through a pipe into Parquet', () => {
  it('writes every row of every page, multi-line quoted fields included', async () => {
    const file = path.join(dir, 'all.parquet');
    const written = await csvToParquet(pages(20, 500), columns, file, { k: 'v' });
    assert.equal(written.rows, 10_000);
    assert.ok(existsSync(file));
  });

  it("fails with the producer's error after a partial input, writing no file", async () => {
    const file = path.join(dir, 'cut.parquet');
    await assert.rejects(csvToParquet(pages(20, 500, 3), columns, file, {}), /the database went away/);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('cut.')),
      [],
    );
  });

  it("fails with DuckDB's error (naming the value) when a row cannot be converted, however much is still to come", async () => {
    const file = path.join(dir, 'bad.parquet');
    async function* bad(): AsyncGenerator<Buffer> {
      yield* pages(2, 500);
      yield Buffer.from('doc-x,"d","{}","[1,2,oops]"\n');
      yield* pages(40, 500);
    }
    await assert.rejects(csvToParquet(bad(), columns, file, {}), /oops/);
    assert.ok(!existsSync(file));
  });

  it('does not wait forever for a reader that failed before opening the pipe', async () => {
    await assert.rejects(
      throughPipe(pages(50, 500), () => Promise.reject(new Error('no reader'))),
      /no reader/,
    );
  });
});
