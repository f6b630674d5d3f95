import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
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

export interface ThreadInput {
  port: unknown;
  options: Required<StreamOptions>;
  posted: SharedArrayBuffer;
  file: string;
  tmp: string;
  sql: { target: string; options: string };
  memoryLimit: string;
  tempDirectory: string;
}

/** Pages the reader may run ahead of the writer (each ≈ 6 MB at 2,000 × 768-d). */
const AHEAD = 4;

export function packPage(points: Point[]): PointPage {
  const offsets = new Int32Array(points.length + 1);
  for (let i = 0; i < points.length; i++) offsets[i + 1] = offsets[i] + points[i].vector.length;
  const vectors = new Float32Array(offsets[points.length]);
  for (let i = 0; i < points.length; i++) vectors.set(points[i].vector, offsets[i]);
  return {
    ids: points.map((p) => p.id),
    vectors,
    offsets,
    payloads: points.map((p) => JSON.stringify(p.payload)),
    timestamps: BigInt64Array.from(points, (p) => p.timestamp),
  };
}

/** The writer thread; from the TypeScript sources (tsx, vitest) it registers tsx's loader first. */
function startThread(workerData: ThreadInput, transferList: TransferListItem[]): Worker {
  const ext = path.extname(fileURLToPath(import.meta.url));
  const url = new URL(ext === '.ts' ? './parquet-thread-tsx.mjs' : './parquet-thread.js', import.meta.url);
  return new Worker(url, { workerData, transferList });
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
  const slug = createHash('sha1')
    .update(file + Math.random())
    .digest('hex')
    .slice(0, 12);
  const tmp = `${file}.${slug}.tmp`;
  // Its own spill directory: two DuckDB instances must not share one.
  const spill = path.join(process.env.VECFLOW_DUCKDB_TEMP ?? os.tmpdir(), `vecflow-duckdb-${process.pid}-${slug}`);
  const kv = Object.entries(metadata)
    .map(([k, v]) => `${k}: ${sqlString(v)}`)
    .join(', ');
  const { port1, port2 } = new MessageChannel();
  const posted = new Int32Array(new SharedArrayBuffer(4));
  const input: ThreadInput = {
    port: port2,
    options: { ordered, digest, hash },
    posted: posted.buffer as SharedArrayBuffer,
    file,
    tmp,
    sql: {
      target: sqlString(tmp),
      options: `FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 2048${kv ? `, KV_METADATA {${kv}}` : ''}`,
    },
    memoryLimit: process.env.VECFLOW_DUCKDB_THREAD_MEMORY ?? '256MB',
    tempDirectory: spill,
  };
  const worker = startThread(input, [port2]);
  const send = (m: ThreadMessage, transfer: TransferListItem[] = []) => {
    port1.postMessage(m, transfer);
    Atomics.add(posted, 0, 1);
    Atomics.notify(posted, 0);
  };
  let consumed = 0;
  let wake: (() => void) | null = null;
  const result = new Promise<WrittenFile & { digest: string }>((resolve, reject) => {
    worker.on('message', (m: ThreadResult) => {
      if (m.kind === 'consumed') {
        consumed = m.rows;
        wake?.();
      } else if (m.kind === 'done') resolve({ rows: m.rows, bytes: m.bytes, sha256: m.sha256, digest: m.digest });
      else reject(new Error(`writing ${path.basename(file)}: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`the Parquet writer thread exited (${code}) before finishing`)));
  });
  result.catch(() => undefined).finally(() => wake?.());
  let settled = false;
  void result.finally(() => (settled = true)).catch(() => undefined);
  const sentRows: number[] = [];
  try {
    for await (const points of pages) {
      if (settled) break;
      if (points.length === 0) continue;
      const page = packPage(points);
      send({ kind: 'page', page }, [page.vectors.buffer as ArrayBuffer]);
      sentRows.push((sentRows.at(-1) ?? 0) + points.length);
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
    await worker.terminate();
    await rm(spill, { recursive: true, force: true });
    if (existsSync(tmp)) await rm(tmp, { force: true });
  }
  return result;
}
