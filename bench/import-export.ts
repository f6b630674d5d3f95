import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckdb, sqlString } from '../datafiles/duckdb.js';
import { randomVector, rng } from '../test/helpers/data.js';
import { exportAndDownload, importAndWait } from '../test/helpers/datasets.js';
import { startStack } from '../test/helpers/stack.js';

// `npm run bench:import`: import and export of N × D rows (default 50,000 × 384) in every format
// through the API (upload, Temporal job, embedded store on disk), next to DuckDB alone reading
// the same file (import) and writing the same rows in the same format (export). Prints figures;
// asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 50_000);
const D = Number(process.env.BENCH_DIM ?? 384);
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-io-'));
const stack = await startStack({ LOG_LEVEL: 'error', VECFLOW_UPLOAD_LIMIT: '20gb' }, { persistentStore: true });
const secs = async <T>(fn: () => Promise<T>): Promise<{ s: number; value: T }> => {
  const t = performance.now();
  const value = await fn();
  return { s: (performance.now() - t) / 1000, value };
};
const rate = (s: number) => `${Math.round(N / s).toLocaleString('en')}`.padStart(8);
const READERS: Record<string, (f: string) => string> = {
  csv: (f) => `read_csv(${f}, header = true, all_varchar = true)`,
  json: (f) => `read_json(${f}, format = 'array')`,
  jsonl: (f) => `read_json(${f}, format = 'newline_delimited')`,
  parquet: (f) => `read_parquet(${f})`,
};
const WRITERS: Record<string, string> = { csv: 'FORMAT csv, HEADER true', json: 'FORMAT json, ARRAY true', jsonl: 'FORMAT json', parquet: 'FORMAT parquet, COMPRESSION zstd' };

try {
  const source = path.join(dir, 'source.jsonl');
  const out = createWriteStream(source);
  const next = rng(7);
  for (let i = 0; i < N; i++) {
    const row = { id: `r${i}`, document_id: `d${i >> 2}`, values: Array.from(randomVector(D, next), (x) => Math.fround(x)), content: `row ${i} text`, metadata: { category: ['a', 'b', 'c'][i % 3], rating: i % 5 }, chunk_index: i % 4, chunk_count: 4 };
    if (!out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const seeded = await secs(() => importAndWait(stack, 'bench-src', source, { batch_size: '1000' }));
  if (seeded.value.status !== 'completed') throw new Error(`seed import ${seeded.value.status}: ${seeded.value.error}`);

  console.log(`${N.toLocaleString('en')} rows × ${D}-d, embedded store (PGlite on disk, in-process bulk path); rows/s`);
  console.log('format   |  import | DuckDB read |  export | DuckDB write | file size');
  const con = await duckdb();
  try {
    for (const format of ['jsonl', 'json', 'csv', 'parquet']) {
      const exported = await secs(() => exportAndDownload(stack, 'bench-src', { format }));
      const file = path.join(dir, `rows.${format}`);
      writeFileSync(file, exported.value.bytes);
      const imported = await secs(() => importAndWait(stack, `bench-${format}`, file, { batch_size: '1000' }));
      if (imported.value.status !== 'completed') throw new Error(`${format} import ${imported.value.status}: ${imported.value.error}`);
      // DuckDB alone: parse every row of the same file (vectors included) …
      const read = await secs(() => con.run(`SELECT count(*), sum(length("values"::VARCHAR)) FROM ${READERS[format](sqlString(file))}`));
      // … and write the same rows in the same format from memory.
      await con.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM ${READERS[format](sqlString(file))}`);
      const copy = path.join(dir, `duck.${format}`);
      const write = await secs(() => con.run(`COPY t TO ${sqlString(copy)} (${WRITERS[format]})`));
      await con.run('DROP TABLE t');
      const size = `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`;
      console.log(`${format.padEnd(8)} | ${rate(imported.s)} | ${rate(read.s).padStart(11)} | ${rate(exported.s)} | ${rate(write.s).padStart(12)} | ${size}`);
    }
  } finally {
    con.closeSync();
  }
  console.log(`(the first JSONL import, into an empty dataset: ${rate(seeded.s).trim()} rows/s)`);
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
