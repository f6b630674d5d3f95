import pg from 'pg';
import { startRealPostgres } from '../devstack/postgres.js';
import { encodeRows } from '../stores/postgres/copy-binary.js';
import { wireCopyRunner } from '../stores/postgres/copy-runner.js';
import { Db } from '../stores/postgres/db.js';
import { PostgresStore } from '../stores/postgres/store.js';
import type { Point } from '../core/types.js';
import { makePoint, rng } from '../test/helpers/data.js';

// `npm run bench:postgres`: the Postgres adapter on a real PostgreSQL 16 + pgvector (PyPI's
// pgserver, as the tests run it; DATABASE_URL names another): writes of N × D points through
// the adapter's COPY path (what tasks, Vald, import, restore and reindex writes use: new keys go
// straight in by COPY; keys that exist go through a staging table and the conditional merge —
// measured by writing every row again, newer) and its statement path, next to the server's own
// fastest bulk insert of the same rows (a bare binary COPY into the table, no merge); full scans
// through COPY and through statements. Prints figures; asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 50_000);
const DIM = Number(process.env.BENCH_DIM ?? 768);
const BATCH = Number(process.env.BENCH_BATCH ?? 1000);

const server = process.env.DATABASE_URL ? null : await startRealPostgres();
const url = process.env.DATABASE_URL ?? server!.url;
const pool = new pg.Pool({ connectionString: url, max: 4 });
const copy = wireCopyRunner(pool);
const next = rng(7);
const batches: Point[][] = Array.from({ length: Math.ceil(N / BATCH) }, (_, b) =>
  Array.from({ length: Math.min(BATCH, N - b * BATCH) }, (_, i) =>
    makePoint(`p${b * BATCH + i}`, DIM, next, { n: b * BATCH + i, tag: 'lorem ipsum' }, BigInt(b * BATCH + i + 1)),
  ),
);
const rate = (secs: number) => Math.round(N / secs);
const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};

try {
  const [{ server_version: version }] = (await pool.query('SHOW server_version')).rows;
  // The server's own bulk insert: binary COPY of the same rows straight into a bare table.
  await pool.query(
    `CREATE TABLE bench_raw (pid uuid PRIMARY KEY, id text, vector vector(${DIM}), payload jsonb, ts bigint)`,
  );
  const raw = rate(
    await time(async () => {
      for (const rows of batches)
        await copy.runBlob([{ sql: `COPY bench_raw FROM '/dev/blob' WITH (FORMAT binary)`, blob: encodeRows(rows) }]);
    }),
  );
  await pool.query('DROP TABLE bench_raw');
  const figures: Record<string, { write: number; rewrite: number; scan: number }> = {};
  const newer = batches.map((rows) => rows.map((p) => ({ ...p, timestamp: p.timestamp + BigInt(N) })));
  for (const [path, bulk] of [
    ['COPY path', { runner: copy, minRows: 1 }],
    ['statement path', undefined],
  ] as const) {
    const store = await PostgresStore.open(new Db(pool), bulk);
    const ref = { collection: `bench-${path.split(' ')[0].toLowerCase()}-${Date.now()}`, model: 'm' };
    await store.ensureCollection({ ...ref, dimension: DIM, distance: 'cosine' });
    const write = rate(
      await time(async () => {
        for (const rows of batches) await store.upsert(ref, rows, 'newer');
      }),
    );
    // The statement path has one way for both (and takes minutes per pass): measured once.
    const rewrite = bulk
      ? rate(
          await time(async () => {
            for (const rows of newer) await store.upsert(ref, rows, 'newer');
          }),
        )
      : write;
    const scan = rate(
      await time(async () => {
        let cursor: string | null = null;
        do cursor = (await store.scan(ref, { cursor, limit: 2000, withVectors: true })).next;
        while (cursor);
      }),
    );
    figures[path] = { write, rewrite, scan };
    await store.dropCollection(ref);
  }
  const c = figures['COPY path'];
  const s = figures['statement path'];
  console.log(`PostgreSQL ${version} + pgvector, ${N} × ${DIM}-d, batches of ${BATCH}:`);
  console.log(`  raw bulk insert (bare binary COPY, no merge): ${raw} rows/s`);
  console.log(
    `  adapter writes of new keys, COPY path (straight into the table): ${c.write} rows/s = ${(c.write / raw).toFixed(2)}× raw (goal 0.8×)`,
  );
  console.log(
    `  adapter rewrites of every key, newer, COPY path (staging + newest-timestamp merge): ${c.rewrite} rows/s = ${(c.rewrite / raw).toFixed(2)}× raw`,
  );
  console.log(
    `  adapter writes, statement path (unnest, text vectors): ${s.write} rows/s = ${(s.write / raw).toFixed(2)}× raw`,
  );
  console.log(`  full scan, COPY path: ${c.scan} rows/s; statement path: ${s.scan} rows/s`);
} finally {
  await pool.end();
  await server?.stop();
}
