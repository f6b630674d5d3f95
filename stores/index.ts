import pg from 'pg';
import type { AppConfig } from '../core/config.js';
import { Db } from './postgres/db.js';
import { connectBulk } from './postgres/bulk-service.js';
import { EMBEDDED_SOCKET_PORT, type EmbeddedBulkAccess, embeddedSocketDir } from './postgres/embedded.js';
import { wireCopyRunner } from './postgres/copy-runner.js';
import { PostgresStore } from './postgres/store.js';
import { QdrantStore } from './qdrant/store.js';
import type { VectorStore } from './port.js';

export type StoreTarget =
  | { kind: 'qdrant'; url: string; apiKey?: string }
  | { kind: 'postgres'; url: string }
  | { kind: 'embedded'; socketDir: string };

/** Which store this configuration talks to: Qdrant, a real Postgres, or the embedded PGlite. */
export function storeTarget(config: AppConfig): StoreTarget {
  if (config.env.QDRANT_URL) return { kind: 'qdrant', url: config.env.QDRANT_URL, apiKey: config.env.QDRANT_API_KEY };
  if (config.env.DATABASE_URL) return { kind: 'postgres', url: config.env.DATABASE_URL };
  return { kind: 'embedded', socketDir: embeddedSocketDir(config.dataDir) };
}

export function describeTarget(t: StoreTarget): string {
  if (t.kind === 'embedded') return `embedded PGlite (socket ${t.socketDir}/.s.PGSQL.${EMBEDDED_SOCKET_PORT})`;
  return `${t.kind} ${t.url.replace(/\/\/[^@/]*@/, '//***@')}`;
}

export function postgresPool(target: Exclude<StoreTarget, { kind: 'qdrant' }>, max: number): pg.Pool {
  const base = { max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 };
  const pool =
    target.kind === 'postgres'
      ? new pg.Pool({ ...base, connectionString: target.url })
      : new pg.Pool({
          ...base,
          host: target.socketDir,
          port: EMBEDDED_SOCKET_PORT,
          user: 'postgres',
          database: 'postgres',
        });
  // An idle client losing its server (restart, killed owner) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Opens the store. The bulk (COPY) path: on a real Postgres always; on the embedded store with
 * `embedded` (the owning process, or a worker reaching the store process's bulk service).
 */
export async function openStore(
  target: StoreTarget,
  poolSize = 8,
  embedded?: EmbeddedBulkAccess,
  bulkMinRows?: number,
): Promise<VectorStore> {
  if (target.kind === 'qdrant') return QdrantStore.open(target.url, target.apiKey);
  const pool = postgresPool(target, poolSize);
  if (target.kind === 'postgres') {
    const db = new Db(pool);
    // A URL may reach an embedded store's socket (pglite-socket), which has no COPY sub-protocol.
    const [{ v }] = await db.query<{ v: string }>('SELECT version() AS v');
    return PostgresStore.open(db, /PGlite/.test(v) ? undefined : { runner: wireCopyRunner(pool), minRows: 32 });
  }
  return PostgresStore.open(new Db(pool), embedded ? { runner: embedded, minRows: bulkMinRows } : undefined);
}

/** Below this many rows, the API writes through the Postgres socket: one statement beats a COPY. */
const API_BULK_MIN_ROWS = 32;

/**
 * The API's store. On the embedded store, batches (Vald Multi and Stream) take the bulk service
 * of the process that owns PGlite (the worker, or the store process); single rows the socket.
 */
export function openApiStore(target: StoreTarget, poolSize: number): Promise<VectorStore> {
  const bulk = target.kind === 'embedded' ? connectBulk(target.socketDir) : undefined;
  return openStore(target, poolSize, bulk, API_BULK_MIN_ROWS);
}
