import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckdb, sqlString } from '../datafiles/duckdb.js';
import { LANGCHAIN_PARQUET } from '../datafiles/langchain-parquet.js';
import { CopyLangchainDatabase } from '../stores/langchain/connection.js';
import { createSchemaSql } from '../stores/langchain/sql.js';
import { type TextVectorRows, encodeTextVectorRows } from '../stores/langchain/copy-binary.js';
import { postgresPool } from '../stores/index.js';
import { randomVector, rng } from '../test/helpers/data.js';
import { startStack } from '../test/helpers/stack.js';
import { waitForJob } from '../test/helpers/tasks.js';
import { mb, signedMb, phaseTimer } from './phases.js';

// `npm run bench:langchain`: backup and restore of LangChain PGVector tables holding N × D rows
// (default 200,000 × 768) in the embedded store (on disk, as `npm start` runs it), next to
// baselines measured in the same run: the database's own COPY (SELECT … embedding::text …) TO of
// those rows, DuckDB writing the same rows to zstd Parquet, the database's own COPY … FROM of
// them, and the seed-004 scripts' published rates. Prints figures; asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 200_000);
const D = Number(process.env.BENCH_DIM ?? 768);
const PAGE = 5000;
const SEED_EXPORT = 470_890 / 150; // 2–3 minutes for 470,890 rows: ≈ 3,100 rows/s
const SEED_IMPORT = 470_890 / 750; // 10–15 minutes: ≈ 630 rows/s
const COLLECTION = '6d0c0f8e-3b1a-4c1e-9a55-0d4c6c2f7a11';

const root = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-langchain-'));
const stack = await startStack({ VECFLOW_BACKUP_ROOT: root, LOG_LEVEL: 'error' }, { persistentStore: true });
const socketDir = path.resolve(stack.config.dataDir, 'run');
const timer = phaseTimer();
const phase = timer.phase;
const rate = (n: number, secs: number) => Math.round(n / secs);
const fmt = (r: number) => `${r.toLocaleString('en')} rows/s`;

/** Rows `from`..`to` of the collection (id, collection_id, document, cmetadata, embedding) as CSV and as binary COPY. */
function page(from: number, to: number, next: () => number): { csv: Buffer; binary: Buffer } {
  const lines: string[] = [];
  const rows: TextVectorRows = { texts: [[], [], [], []], vectors: [] };
  for (let i = from; i < to; i++) {
    const v = randomVector(D, next);
    const id = `doc-${String(i).padStart(7, '0')}`;
    const doc = `Chunk ${i} of a report on events in region ${i % 97}, with "quotes", commas and text.`;
    const meta = JSON.stringify({ source: `report-${i % 1000}.pdf`, page: i % 300, country: 'NL' });
    const q = (t: string) => `"${t.replace(/"/g, '""')}"`;
    lines.push(`${id},${COLLECTION},${q(doc)},${q(meta)},"[${Array.from(v).join(',')}]"`);
    [id, COLLECTION, doc, meta].forEach((t, c) => rows.texts[c].push(t));
    rows.vectors.push(v);
  }
  return { csv: Buffer.from(lines.join('\n') + '\n'), binary: encodeTextVectorRows(rows) };
}

const lc = new CopyLangchainDatabase(postgresPool({ kind: 'embedded', socketDir }, 2), stack.embedded);
const columns = '(id, collection_id, document, cmetadata, embedding)';
try {
  for (const sql of createSchemaSql('langchain-postgres')) await stack.sql(sql);
  await stack.sql(`INSERT INTO langchain_pg_collection (uuid, name, cmetadata) VALUES ($1, 'chunk_embeddings', '{}')`, [
    COLLECTION,
  ]);
  // Staging-like tables (text where binary COPY would need each type's binary form).
  const plain = '(id varchar, collection_id text, document varchar, cmetadata text, embedding vector)';
  await stack.sql(`CREATE TABLE copy_target ${plain}`);
  await stack.sql(`CREATE TABLE copy_binary ${plain}`);
  const next = rng(7);
  // The database's own COPY … FROM of the rows (into tables without indexes): text, and binary.
  // Text COPY is ~15x slower in PGlite (pgvector parses every float): timed on the first
  // TEXT_ROWS rows only; the binary COPY loads them all.
  const TEXT_ROWS = Math.min(N, Number(process.env.BENCH_TEXT_ROWS ?? 20_000));
  let copyFromSecs = 0;
  let copyBinarySecs = 0;
  for (let s = 0; s < N; s += PAGE) {
    const rows = page(s, Math.min(N, s + PAGE), next);
    let t = performance.now();
    if (s < TEXT_ROWS) {
      await lc.load([], `copy_target ${columns}`, rows.csv, ['SELECT 1'], 'csv');
      copyFromSecs += (performance.now() - t) / 1000;
    }
    t = performance.now();
    await lc.load([], `copy_binary ${columns}`, rows.binary, ['SELECT 1'], 'binary');
    copyBinarySecs += (performance.now() - t) / 1000;
  }
  await stack.sql('DROP TABLE copy_target');
  await stack.sql('ALTER TABLE copy_binary RENAME TO copy_target');
  // The database's own insert of the same rows into LangChain's table as it is (primary key,
  // foreign key, GIN index on cmetadata), from a table it already holds: what any load into that
  // table pays on top of the COPY, however the rows arrive.
  const t0 = performance.now();
  await stack.sql(
    `INSERT INTO langchain_pg_embedding (id, collection_id, document, cmetadata, embedding) SELECT id, collection_id::uuid, document, cmetadata::jsonb, embedding FROM copy_target`,
  );
  const insertSecs = (performance.now() - t0) / 1000;
  await stack.sql('TRUNCATE copy_target');
  await stack.sql('CHECKPOINT');

  const csvFile = path.join(root, 'baseline.csv');
  const copyTo = await phase(async () => {
    const { appendFile, writeFile } = await import('node:fs/promises');
    await writeFile(csvFile, '');
    for (let s = 0; s < N; s += PAGE) {
      const lo = `doc-${String(s).padStart(7, '0')}`;
      const hi = `doc-${String(s + PAGE).padStart(7, '0')}`;
      await appendFile(
        csvFile,
        await lc.copyOut(
          `SELECT id, document, cmetadata::text, embedding::text FROM langchain_pg_embedding WHERE id >= '${lo}' AND id < '${hi}' ORDER BY id`,
          'csv',
        ),
      );
    }
  });
  const con = await duckdb();
  // A table on disk, so DuckDB can spill it within its memory limit.
  await con.run(`ATTACH ${sqlString(path.join(root, 'baseline.duckdb'))} AS baseline`);
  await con.run(
    `CREATE TABLE baseline.rows AS SELECT * FROM read_csv(${sqlString(csvFile)}, columns = {'id': 'VARCHAR', 'document': 'VARCHAR', 'cmetadata': 'VARCHAR', 'embedding': 'VARCHAR'}, header = false)`,
  );
  // The same Parquet settings as the backup writes.
  const duck = await phase(() =>
    con.run(`COPY baseline.rows TO ${sqlString(path.join(root, 'duckdb.parquet'))} (${LANGCHAIN_PARQUET})`),
  );
  await con.run('DETACH baseline');
  con.closeSync();
  rmSync(csvFile);

  const baseline = process.memoryUsage().rss;
  const backup = await phase(async () => {
    await stack.api('/api/v1/backups', {
      body: { backup_id: 'lc-bench', output_dir: 'lc-bench', source: 'langchain' },
    });
    return waitForJob(stack, 'backups', 'lc-bench', 3_600_000);
  });
  const restore = await phase(async () => {
    await stack.api('/api/v1/restores', {
      body: { restore_id: 'lc-bench-restore', input_dir: 'lc-bench', clear_existing: true },
    });
    return waitForJob(stack, 'restores', 'lc-bench-restore', 3_600_000);
  });
  if (backup.value.status !== 'done' || restore.value.status !== 'done')
    throw new Error(
      `backup ${backup.value.status} ${backup.value.detail ?? ''}, restore ${restore.value.status}: ${restore.value.detail ?? ''}`,
    );

  const r = {
    copyTo: rate(N, copyTo.secs),
    duck: rate(N, duck.secs),
    copyFrom: rate(TEXT_ROWS, copyFromSecs),
    copyBinary: rate(N, copyBinarySecs),
    copyIndexed: rate(N, copyBinarySecs + insertSecs),
    backup: rate(N, backup.secs),
    restore: rate(N, restore.secs),
  };
  const backupGoal = Math.min(r.copyTo, r.duck);
  console.log(`LangChain PGVector tables, ${N.toLocaleString('en')} × ${D}-d, embedded store (PGlite on disk)`);
  console.log(`  baseline: COPY (SELECT … embedding::text …) TO : ${fmt(r.copyTo)}`);
  console.log(`  baseline: DuckDB → zstd Parquet                : ${fmt(r.duck)}`);
  console.log(
    `  baseline: COPY … FROM, text (no indexes)       : ${fmt(r.copyFrom)} (first ${TEXT_ROWS.toLocaleString('en')} rows)`,
  );
  console.log(`  baseline: COPY … FROM, binary (no indexes)     : ${fmt(r.copyBinary)}`);
  console.log(
    `  baseline: the same + INSERT … SELECT into LangChain's table (PK, FK, GIN index): ${fmt(r.copyIndexed)}`,
  );
  console.log(
    `  baseline: the seed's scripts (published)       : export ≈ ${fmt(Math.round(SEED_EXPORT))}, import ≈ ${fmt(Math.round(SEED_IMPORT))}`,
  );
  console.log(
    `  backup  : ${fmt(r.backup)} = ${(r.backup / backupGoal).toFixed(2)}× the slower of the first two (goal 0.8×), ${(r.backup / SEED_EXPORT).toFixed(1)}× the seed (goal 5×)`,
  );
  console.log(
    `  restore : ${fmt(r.restore)} = ${(r.restore / r.copyFrom).toFixed(2)}× text COPY … FROM (goal 0.8×), ${(r.restore / r.copyBinary).toFixed(2)}× binary, ${(r.restore / r.copyIndexed).toFixed(2)}× binary into LangChain's table, ${(r.restore / SEED_IMPORT).toFixed(1)}× the seed (goal 5×)`,
  );
  console.log(
    `  worker RSS (the embedded database included): ${mb(baseline)} before; peak ${signedMb(backup.peak - baseline)} during backup, ${signedMb(restore.peak - baseline)} during restore (goal ≤ 512 MB)`,
  );
} finally {
  timer.stop();
  await lc.close();
  await stack.stop();
  rmSync(root, { recursive: true, force: true });
}
