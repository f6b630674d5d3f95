import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Point } from '../core/types.js';
import { duckdb, sqlString } from '../datafiles/duckdb.js';
import { randomVector, rng } from '../test/helpers/data.js';
import { waitForDatasetJob } from '../test/helpers/datasets.js';
import { startStack } from '../test/helpers/stack.js';
import { mb, phaseTimer } from './phases.js';

// `npm run bench:import`: import and export of N × D rows (default 50,000 × 384) in every format
// through the API (upload, Temporal job, embedded store on disk), next to DuckDB alone reading
// the same file (import) and writing the same rows in the same format (export), and the store
// adapter's own fastest full scan and bulk insert of the same rows (issue #15's baselines: an
// import against the slower of DuckDB's read and the bulk insert, an export against the slower of
// the raw scan and DuckDB's write). Prints figures; asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 50_000);
const D = Number(process.env.BENCH_DIM ?? 384);
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-io-'));
const stack = await startStack({ LOG_LEVEL: 'error', VECFLOW_UPLOAD_LIMIT: '20gb' }, { persistentStore: true });
// The worker (and PGlite) run in this process: the RSS peak over the RSS when each job starts
// shows what the job itself costs (uploads and downloads are curl's, in its own process).
const timer = phaseTimer();
const secs = timer.phase;

/**
 * Export, then download to `file` with curl, as users do (README) — a client in its own process:
 * fetch from this process, which also holds the worker and the embedded database, took 1.2–2.9 s
 * to download a 68 MB Parquet export (a cost of this harness, as for uploads below).
 */
async function exportTo(format: string, file: string): Promise<void> {
  const started = await stack.api('/api/v1/datasets/bench-src/export', { body: { format } });
  const job = await waitForDatasetJob(stack, 'export', started.body.job_id);
  if (job.status !== 'completed') throw new Error(`${format} export ${job.status}: ${job.error}`);
  await promisify(execFile)('curl', ['-sS', '-f', '-o', file, `${stack.apiUrl}${job.download_url}`]);
}
/**
 * Uploads with curl, as users do (README): a client in its own process. (fetch from this process,
 * which also holds the worker and the embedded database, cost 3–4 s of a 216 MB upload in GC and
 * stream copies — a cost of this harness, not of the API: curl's upload took ≈ 0.7 s.)
 */
async function importAndWait(dataset: string, file: string) {
  const url = `${stack.apiUrl}/api/v1/datasets/${encodeURIComponent(dataset)}/import`;
  const { stdout } = await promisify(execFile)('curl', [
    '-sS',
    '-f',
    '-F',
    'batch_size=1000',
    '-F',
    `file=@${file}`,
    url,
  ]);
  return waitForDatasetJob(stack, 'import', (JSON.parse(stdout) as { job_id: string }).job_id);
}
const rate = (s: number) => `${Math.round(N / s).toLocaleString('en')}`.padStart(8);
const READERS: Record<string, (f: string) => string> = {
  csv: (f) => `read_csv(${f}, header = true, all_varchar = true)`,
  json: (f) => `read_json(${f}, format = 'array')`,
  jsonl: (f) => `read_json(${f}, format = 'newline_delimited')`,
  parquet: (f) => `read_parquet(${f})`,
};
const WRITERS: Record<string, string> = {
  csv: 'FORMAT csv, HEADER true',
  json: 'FORMAT json, ARRAY true',
  jsonl: 'FORMAT json',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
};

try {
  const source = path.join(dir, 'source.jsonl');
  const out = createWriteStream(source);
  const next = rng(7);
  for (let i = 0; i < N; i++) {
    const row = {
      id: `r${i}`,
      document_id: `d${i >> 2}`,
      values: Array.from(randomVector(D, next), (x) => Math.fround(x)),
      content: `row ${i} text`,
      metadata: { category: ['a', 'b', 'c'][i % 3], rating: i % 5 },
      chunk_index: i % 4,
      chunk_count: 4,
    };
    if (!out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const seeded = await secs(() => importAndWait('bench-src', source));
  if (seeded.value.status !== 'completed') throw new Error(`seed import ${seeded.value.status}: ${seeded.value.error}`);

  // The store's own baselines: a full scan of the seeded rows (pages of 2,000, vectors included,
  // as bench:backup's raw scan) and a bulk insert of those same rows into a new collection.
  const [entry] = await stack.store.catalog('bench-src');
  const model = entry?.blue;
  if (!model) throw new Error('bench-src has no blue model after its import');
  const ref = { collection: 'bench-src', model };
  let rows: Point[] = [];
  const scan = await secs(async () => {
    let cursor: string | null = null;
    do {
      const page = await stack.store.scan(ref, { cursor, limit: 2000, withVectors: true });
      for (const p of page.points) rows.push(p);
      cursor = page.next;
    } while (cursor);
  });
  const raw = { collection: 'bench-raw', model };
  await stack.store.ensureCollection({ ...raw, dimension: D, distance: 'cosine' });
  const insert = await secs(async () => {
    for (let s = 0; s < rows.length; s += 1000) await stack.store.upsert(raw, rows.slice(s, s + 1000));
  });
  rows = [];
  const scanRate = N / scan.secs;
  const insertRate = N / insert.secs;
  console.log(`${N.toLocaleString('en')} rows × ${D}-d, embedded store (PGlite on disk, in-process bulk path); rows/s`);
  console.log(
    `store baselines, same rows: raw scan ${rate(scan.secs).trim()} rows/s (pages of 2,000), raw bulk insert ${rate(insert.secs).trim()} rows/s (batches of 1,000)`,
  );
  console.log(
    'format   |  import | DuckDB read | ratio (goal 0.5×) |  export | DuckDB write | ratio (goal 0.5×) | file size | RSS peak over its start: import / export',
  );
  const con = await duckdb();
  try {
    for (const format of ['jsonl', 'json', 'csv', 'parquet']) {
      const file = path.join(dir, `rows.${format}`);
      const exported = await secs(() => exportTo(format, file));
      const imported = await secs(() => importAndWait(`bench-${format}`, file));
      if (imported.value.status !== 'completed')
        throw new Error(`${format} import ${imported.value.status}: ${imported.value.error}`);
      // DuckDB alone: parse every row of the same file (vectors included) …
      const read = await secs(() =>
        con.run(`SELECT count(*), sum(length("values"::VARCHAR)) FROM ${READERS[format](sqlString(file))}`),
      );
      // … and write the same rows in the same format from memory.
      await con.run(`CREATE OR REPLACE TABLE t AS SELECT * FROM ${READERS[format](sqlString(file))}`);
      const copy = path.join(dir, `duck.${format}`);
      const write = await secs(() => con.run(`COPY t TO ${sqlString(copy)} (${WRITERS[format]})`));
      await con.run('DROP TABLE t');
      const size = `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`;
      // Ratios against the slower baseline of each direction (the issue's definition).
      const importRatio = N / imported.secs / Math.min(N / read.secs, insertRate);
      const exportRatio = N / exported.secs / Math.min(scanRate, N / write.secs);
      console.log(
        `${format.padEnd(8)} | ${rate(imported.secs)} | ${rate(read.secs).padStart(11)} | ${`${importRatio.toFixed(2)}×`.padStart(17)} | ${rate(exported.secs)} | ${rate(write.secs).padStart(12)} | ${`${exportRatio.toFixed(2)}×`.padStart(17)} | ${size.padStart(9)} | +${mb(imported.grew)} / +${mb(exported.grew)}`,
      );
    }
  } finally {
    con.closeSync();
  }
  console.log(`(the first JSONL import, into an empty dataset: ${rate(seeded.secs).trim()} rows/s)`);
} finally {
  timer.stop();
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
