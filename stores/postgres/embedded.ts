import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { Mutex } from 'async-mutex';
import type { BlobResult, BlobStatement, CopyRunner } from './copy-runner.js';
import { isolateStatementNames } from './statement-names.js';

/** PGlite's own start parameters (a static its types leave out): settings are added to them. */
function pgliteStartParams(settings: Record<string, string>): string[] {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Array.isArray(defaults)) throw new Error('this PGlite does not expose its start parameters to add settings to');
  return [...(defaults as string[]), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
}

// The embedded default store: PGlite (WASM Postgres) with pgvector, persisted under the data
// dir and served over the Postgres wire protocol on a Unix socket, so the ordinary pg adapter
// talks to it exactly as to a real server. The process that runs this owns the database.
export const EMBEDDED_SOCKET_PORT = 5432;

export type { BlobResult, BlobStatement } from './copy-runner.js';

/**
 * The embedded database's bulk path — binary COPY through PGlite's '/dev/blob', which its socket
 * cannot carry — from the process that owns it, or from another one through the store process's
 * bulk service (bulk-service.ts).
 */
export interface EmbeddedBulkAccess extends CopyRunner {
  /** Directory holding the `.s.PGSQL.5432` socket, usable as pg's `host`. */
  readonly socketDir: string;
}

export interface EmbeddedPostgres extends EmbeddedBulkAccess {
  db: PGlite;
  /**
   * Runs `fn` with the database to itself, in this process: no socket client runs a statement
   * meanwhile, and none is inside a transaction (whose statements ours would otherwise join —
   * PGlite is one session). For the bulk paths (COPY … '/dev/blob').
   */
  exclusive<T>(fn: (db: PGlite) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * pglite-socket runs each client message under `db.runExclusive`; giving it a view of the
 * database whose runExclusive first takes `lock` lets this process hold every client off.
 */
function lockedView(db: PGlite, lock: Mutex): PGlite {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'runExclusive') return <T>(fn: () => Promise<T>) => lock.runExclusive(() => target.runExclusive(fn));
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * PGlite reads a COPY's '/dev/blob' from `await blob.arrayBuffer()` and nothing else; handing it
 * the bytes as an ArrayBuffer of their own skips a Blob's two copies (into it, then out of it).
 */
function blobOf(bytes: Uint8Array): Blob {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const own = whole ? bytes.buffer : new Uint8Array(bytes).buffer; // (Buffer#slice would not copy)
  return { size: bytes.byteLength, arrayBuffer: () => Promise.resolve(own) } as unknown as Blob;
}

async function runAll(db: Pick<PGlite, 'query'>, statements: BlobStatement[]): Promise<BlobResult[]> {
  const out: BlobResult[] = [];
  for (const { sql, blob } of statements) {
    const r = await db.query<Record<string, unknown>>(sql, [], blob ? { blob: blobOf(blob) } : undefined);
    out.push({
      rows: r.rows,
      affectedRows: r.affectedRows ?? 0,
      blob: r.blob ? new Uint8Array(await r.blob.arrayBuffer()) : undefined,
    });
  }
  return out;
}

export function embeddedSocketDir(dataDir: string): string {
  return path.resolve(dataDir, 'run');
}

export async function startEmbeddedPostgres(options: {
  dataDir?: string;
  socketDir: string;
  maxConnections?: number;
  /** Postgres's shared_buffers (e.g. `512MB`); PGlite's default when absent. */
  sharedBuffers?: string;
}): Promise<EmbeddedPostgres> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  await mkdir(options.socketDir, { recursive: true });
  const socketPath = path.join(options.socketDir, `.s.PGSQL.${EMBEDDED_SOCKET_PORT}`);
  // A socket file left by a killed owner would make listen() fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const db = await PGlite.create({
    dataDir: options.dataDir,
    extensions: { vector },
    ...(options.sharedBuffers ? { startParams: pgliteStartParams({ shared_buffers: options.sharedBuffers }) } : {}),
  });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  // The pool needs more than one connection; PGlite multiplexes them onto one session.
  const lock = new Mutex();
  const server = new PGLiteSocketServer({
    db: lockedView(db, lock),
    path: socketPath,
    maxConnections: options.maxConnections ?? 64,
  });
  isolateStatementNames(server, db);
  await server.start();
  const embedded: EmbeddedPostgres = {
    db,
    socketDir: options.socketDir,
    async exclusive(fn) {
      for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
        const release = await lock.acquire();
        // A socket client between the statements of its transaction: let it finish first.
        if (!db.isInTransaction()) {
          try {
            return await fn(db);
          } finally {
            release();
          }
        }
        release();
        await new Promise((r) => setTimeout(r, wait));
      }
    },
    runBlob(statements, { transaction = false } = {}) {
      return embedded.exclusive((db) =>
        transaction ? db.transaction((tx) => runAll(tx, statements)) : runAll(db, statements),
      );
    },
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketPath, { force: true });
    },
  };
  return embedded;
}
