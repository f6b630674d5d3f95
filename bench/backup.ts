import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack } from '../test/helpers/stack.js';
import { mb, signedMb, phaseTimer } from './phases.js';
import { randomVector, rng } from '../test/helpers/data.js';
import { waitForJob } from '../test/helpers/tasks.js';
import { duckdb, sqlString } from '../datafiles/duckdb.js';

// `npm run bench:backup`: backup and restore of N × D vectors (default 200,000 × 768) on the
// embedded store (persisted on disk, as `npm start` runs it), next to the store's own raw
// insert and scan rates measured in the same run, and the worker's peak RSS (the worker runs in
// this process) — at N/4 and at N, to show memory does not grow with the collection — and
// DuckDB alone writing the same rows to zstd Parquet (read from the backup's own files).
// Prints figures; asserts nothing.
const FULL = Number(process.env.BENCH_ROWS ?? 200_000);
const D = Number(process.env.BENCH_DIM ?? 768);
const root = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-backup-'));
const stack = await startStack({ VECFLOW_BACKUP_ROOT: root, LOG_LEVEL: 'error' }, { persistentStore: true });
const ref = { collection: 'bench', model: 'm' };
const timer = phaseTimer();
const phase = timer.phase;
/** PGlite's WASM memory (it lives in this process; `mod` is its Emscripten module). */
const wasmHeap = () => (stack.embedded.db as unknown as { mod: { HEAPU8: Uint8Array } }).mod.HEAPU8.byteLength;
const wait = (route: string, id: string) => waitForJob(stack, route, id, 3_600_000);

try {
  await stack.store.ensureCollection({ ...ref, dimension: D, distance: 'cosine' });
  await stack.store.setBlue(ref);
  const next = rng(42);
  let have = 0;
  for (const N of [FULL / 4, FULL].map(Math.floor)) {
    const insert = await phase(async () => {
      for (let s = have; s < N; s += 2000) {
        const batch = Array.from({ length: Math.min(2000, N - s) }, (_, i) => ({
          id: `v-${s + i}`,
          vector: randomVector(D, next),
          payload: { n: s + i, tag: `t${(s + i) % 10}` },
          timestamp: BigInt(s + i),
        }));
        await stack.store.upsert(ref, batch);
      }
    });
    const inserted = N - have;
    have = N;
    const scan = await phase(async () => {
      let cursor: string | null = null;
      do cursor = (await stack.store.scan(ref, { cursor, limit: 2000, withVectors: true })).next;
      while (cursor);
    });
    const baseline = process.memoryUsage().rss;
    const heapBefore = wasmHeap();
    const backup = await phase(async () => {
      await stack.api('/api/v1/backups', {
        body: { backup_id: `bench-${N}`, output_dir: `bench-${N}`, collections: ['bench'] },
      });
      return wait('backups', `bench-${N}`);
    });
    const heapAfterBackup = wasmHeap();
    const restore = await phase(async () => {
      await stack.api('/api/v1/restores', {
        body: { restore_id: `bench-restore-${N}`, input_dir: `bench-${N}`, clear_existing: true },
      });
      return wait('restores', `bench-restore-${N}`);
    });
    // DuckDB alone: the same rows, the same Parquet settings, straight from the backup's files.
    const files = path.join(root, `bench-${N}`, '*.parquet');
    const duck = await phase(async () => {
      const con = await duckdb();
      try {
        await con.run(
          `COPY (SELECT * FROM read_parquet(${sqlString(files)})) TO ${sqlString(path.join(root, `duck-${N}.parquet`))} (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 2048)`,
        );
      } finally {
        con.closeSync();
      }
    });
    if (backup.value.status !== 'done' || restore.value.status !== 'done')
      throw new Error(`backup ${backup.value.status}, restore ${restore.value.status}: ${restore.value.detail ?? ''}`);
    const rate = (n: number, secs: number) => `${Math.round(n / secs).toLocaleString('en')} vectors/s`;
    console.log(`${N.toLocaleString('en')} × ${D}-d on the embedded store (PGlite on disk, in-process bulk path)`);
    console.log(`  raw store insert : ${rate(inserted, insert.secs)}`);
    console.log(`  raw store scan   : ${rate(N, scan.secs)}`);
    console.log(`  DuckDB alone     : ${rate(N, duck.secs)} (the same rows to zstd Parquet, read from the backup)`);
    const slower = Math.min(N / scan.secs, N / duck.secs);
    const ratio = (r: number, base: number) => `${(r / base).toFixed(2)}×`;
    console.log(
      `  backup           : ${rate(N, backup.secs)} (${backup.value.files.length} files) = ${ratio(N / backup.secs, slower)} the slower of scan and DuckDB (goal 0.8×)`,
    );
    console.log(
      `  restore          : ${rate(N, restore.secs)} (sha256 check, import, count + digest verification) = ${ratio(N / restore.secs, inserted / insert.secs)} the raw insert (goal 0.8×)`,
    );
    console.log(
      `  worker RSS       : ${mb(baseline)} before backup; peak ${signedMb(backup.peak - baseline)} during backup, ${signedMb(restore.peak - baseline)} during restore`,
    );
    // The embedded database lives in this process too; its WASM heap only ever grows.
    const heapAfter = wasmHeap();
    console.log(
      `  embedded database: WASM heap ${mb(heapBefore)} before backup, ${signedMb(heapAfterBackup - heapBefore)} during backup, ${signedMb(heapAfter - heapAfterBackup)} during restore`,
    );
    console.log(
      `  worker less the database (goal ≤ +512 MB): ${signedMb(backup.peak - baseline - (heapAfterBackup - heapBefore))} during backup, ${signedMb(restore.peak - baseline - (heapAfter - heapAfterBackup))} during restore`,
    );
  }
} finally {
  timer.stop();
  await stack.stop();
  rmSync(root, { recursive: true, force: true });
}
