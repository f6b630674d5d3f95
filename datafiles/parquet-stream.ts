import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type TransferListItem, Worker } from 'node:worker_threads';
import type { Point } from '../core/types.js';
import { sqlString } from './duckdb.js';
import type { WrittenFile } from './parquet.js';

// A Parquet file of points written while its points are still being read: each page goes to a
// writer thread (parquet-thread.ts) with its own DuckDB, which writes the file from a table
// function and takes the content digest, so the thread that reads the store (the embedded
// database runs on it) only scans and packs pages. Same layout as `writeParquet`: id, vector
// (list of float32), payload (JSON), timestamp, zstd, row groups of 2,048, key-value metadata.

/** One page as it crosses to the writer thread: the vectors in one transferable buffer. */
export interface PointPage {
  ids: string[];
  /** Row i's floats are vectors[offsets[i] .. offsets[i + 1]). */
  vectors: Float32Array;
  offsets: Int32Array;
  payloads: string[];
  timestamps: BigInt64Array;
}

export type ThreadMessage = { kind: 'page'; page: PointPage } | { kind: 'end' } | { kind: 'abort'; reason: string };

export type ThreadResult =
  | { kind: 'consumed'; rows: number }
  | ({ kind: 'done'; digest: string } & WrittenFile)
  | { kind: 'failed'; message: string };

export interface StreamOptions {
  /** Keep the rows in the order given (one DuckDB thread writes); else two write side by side. */
  ordered?: boolean;
  /** Take the points' content digest (a backup's); '' when not. */
  digest?: boolean;
  /** Take the file's sha256; '' when not. */
  hash?: boolean;
}

/** A writer thread's own settings (its DuckDB instance). */
export interface ThreadConfig {
  memoryLimit: string;
  tempDirectory: string;
}

/** One job for a writer thread: its channel (pages in, results out) and its COPY, if a file. */
export interface ThreadJob {
  port: unknown;
  options: Required<StreamOptions>;
  posted: SharedArrayBuffer;
  /** Null: only the digest is taken. */
  file: string | null;
  tmp: string | null;
  /** The rows (from the table function `vecflow_points` or `vecflow_parsed_rows`), the file, its options. */
  sql: { select: string; target: string; options: string } | null;
}

/** Pages the reader may run ahead of the writer (each ≈ 6 MB at 2,000 × 768-d). */
const AHEAD = 4;

/** One row as the writer's page carries it (vecflow_points: id, vector, payload, timestamp). */
export interface PageRow {
  text: string;
  vector: Float32Array | null;
  other: string;
  integer: bigint;
}

/** Rows → a page: their vectors packed into one transferable buffer. */
export function packRows(rows: PageRow[]): PointPage {
  const offsets = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + (rows[i].vector?.length ?? 0);
  const vectors = new Float32Array(offsets[rows.length]);
  for (let i = 0; i < rows.length; i++) if (rows[i].vector) vectors.set(rows[i].vector!, offsets[i]);
  return {
    ids: rows.map((r) => r.text),
    vectors,
    offsets,
    payloads: rows.map((r) => r.other),
    timestamps: BigInt64Array.from(rows, (r) => r.integer),
  };
}

function packPage(points: Point[]): PointPage {
  return packRows(
    points.map((p) => ({ text: p.id, vector: p.vector, other: JSON.stringify(p.payload), integer: p.timestamp })),
  );
}

/** Idle writer threads, kept for the next file; one ends after a minute unused. */
const idle: { worker: Worker; spill: string; timer: NodeJS.Timeout }[] = [];
const IDLE_MS = 60_000;

/** A writer thread; from the TypeScript sources (tsx, vitest) it registers tsx's loader first. */
function takeThread(): { worker: Worker; spill: string } {
  const kept = idle.pop();
  if (kept) {
    clearTimeout(kept.timer);
    kept.worker.ref();
    return kept;
  }
  // Its own spill directory: two DuckDB instances must not share one.
  const spill = path.join(
    process.env.VECFLOW_DUCKDB_TEMP ?? os.tmpdir(),
    `vecflow-duckdb-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  const config: ThreadConfig = {
    memoryLimit: process.env.VECFLOW_DUCKDB_THREAD_MEMORY ?? '256MB',
    tempDirectory: spill,
  };
  const ext = path.extname(fileURLToPath(import.meta.url));
  const url = new URL(ext === '.ts' ? './parquet-thread-tsx.mjs' : './parquet-thread.js', import.meta.url);
  const worker = new Worker(url, { workerData: config });
  // A thread that fails while idle just leaves the pool (a file's own listeners report failures
  // while it writes one).
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    const at = idle.findIndex((t) => t.worker === worker);
    if (at >= 0) clearTimeout(idle.splice(at, 1)[0].timer);
  });
  return { worker, spill };
}

function keepThread(thread: { worker: Worker; spill: string }): void {
  // Unreferenced while idle: a kept thread does not hold the process open.
  thread.worker.unref();
  // Ending it, its exit listener takes it out of `idle`.
  const timer = setTimeout(() => void endThread(thread), IDLE_MS).unref();
  idle.push({ ...thread, timer });
}

async function endThread(thread: { worker: Worker; spill: string }): Promise<void> {
  await thread.worker.terminate();
  await rm(thread.spill, { recursive: true, force: true });
}

/**
 * Writes `file` from pages of points while they are read; the file appears (by rename) only
 * when complete. Returns what `writeParquet` returns plus the points' content digest.
 */
export async function streamParquetPoints(
  file: string,
  pages: AsyncIterable<Point[]>,
  metadata: Record<string, string>,
  { ordered = false, digest = true, hash = true }: StreamOptions = {},
): Promise<WrittenFile & { digest: string }> {
  const kv = Object.entries(metadata)
    .map(([k, v]) => `${k}: ${sqlString(v)}`)
    .join(', ');
  return writeThroughThread(
    file,
    packPages(pages, packPage),
    { ordered, digest, hash },
    {
      select: 'SELECT * FROM vecflow_points()',
      options: `FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 2048${kv ? `, KV_METADATA {${kv}}` : ''}`,
    },
  );
}

/**
 * Writes `file` on a writer thread from `select` over its table functions, fed `pages`; the
 * file appears (by rename) only when complete.
 */
export async function writeThroughThread(
  file: string,
  pages: AsyncIterable<PointPage>,
  options: Required<StreamOptions>,
  sql: { select: string; options: string },
): Promise<WrittenFile & { digest: string }> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    return await runJob(pages, `writing ${path.basename(file)}`, {
      options,
      file,
      tmp,
      sql: { ...sql, target: sqlString(tmp) },
    });
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The count and content digest of points, taken on a writer thread while they are read (no file). */
export async function digestPoints(pages: AsyncIterable<Point[]>): Promise<{ rows: number; digest: string }> {
  const { rows, digest } = await runJob(packPages(pages, packPage), 'digesting points', {
    options: { ordered: true, digest: true, hash: false },
    file: null,
    tmp: null,
    sql: null,
  });
  return { rows, digest };
}

/** Pages of any rows, packed for the writer thread as they come. */
export async function* packPages<T>(
  pages: AsyncIterable<T[]>,
  pack: (rows: T[]) => PointPage,
): AsyncGenerator<PointPage> {
  for await (const rows of pages) yield pack(rows);
}

/** Feeds pages to a writer thread running `spec`; what it reports back when done. */
async function runJob(
  pages: AsyncIterable<PointPage>,
  what: string,
  spec: Omit<ThreadJob, 'port' | 'posted'>,
): Promise<WrittenFile & { digest: string }> {
  const { port1, port2 } = new MessageChannel();
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const job: ThreadJob = { ...spec, port: port2, posted: posted.buffer as SharedArrayBuffer };
  const thread = takeThread();
  thread.worker.postMessage(job, [port2]);
  const send = (m: ThreadMessage, transfer: TransferListItem[] = []) => {
    port1.postMessage(m, transfer);
    Atomics.add(posted, 0, 1);
    Atomics.notify(posted, 0);
  };
  let consumed = 0;
  let wake: (() => void) | null = null;
  let reusable = false;
  let onError: (err: Error) => void = () => undefined;
  let onExit: (code: number) => void = () => undefined;
  const result = new Promise<WrittenFile & { digest: string }>((resolve, reject) => {
    port1.on('message', (m: ThreadResult) => {
      if (m.kind === 'consumed') {
        consumed = m.rows;
        wake?.();
        return;
      }
      reusable = true; // the thread finished this job, and is free for the next
      if (m.kind === 'done') resolve({ rows: m.rows, bytes: m.bytes, sha256: m.sha256, digest: m.digest });
      else reject(new Error(`${what}: ${m.message}`));
    });
    onError = reject;
    onExit = (code) => reject(new Error(`the Parquet writer thread exited (${code}) before finishing`));
    thread.worker.on('error', onError).on('exit', onExit);
  });
  let settled = false;
  void result
    .finally(() => {
      settled = true;
      wake?.();
    })
    .catch(() => undefined);
  const sentRows: number[] = [];
  try {
    for await (const page of pages) {
      if (settled) break;
      if (page.ids.length === 0) continue;
      send({ kind: 'page', page }, [page.vectors.buffer as ArrayBuffer]);
      sentRows.push((sentRows.at(-1) ?? 0) + page.ids.length);
      // Backpressure: at most AHEAD pages in flight.
      while (!settled && sentRows.length > AHEAD && consumed < sentRows[sentRows.length - 1 - AHEAD])
        await new Promise<void>((r) => (wake = r));
    }
    send({ kind: 'end' });
  } catch (err) {
    send({ kind: 'abort', reason: (err as Error).message });
    await result.catch(() => undefined);
    throw err;
  } finally {
    if (!settled) await result.catch(() => undefined);
    port1.close();
    thread.worker.off('error', onError).off('exit', onExit);
    if (reusable) keepThread(thread);
    else await endThread(thread);
  }
  return result;
}
