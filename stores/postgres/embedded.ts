import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The embedded default store: PGlite (WASM Postgres) with pgvector, persisted under the data
// dir and served over the Postgres wire protocol on a Unix socket, so the ordinary pg adapter
// talks to it exactly as to a real server. The process that runs this owns the database.
export const EMBEDDED_SOCKET_PORT = 5432;

export interface EmbeddedPostgres {
  db: PGlite;
  /** Directory holding the `.s.PGSQL.5432` socket, usable as pg's `host`. */
  socketDir: string;
  stop(): Promise<void>;
}

export function embeddedSocketDir(dataDir: string): string {
  return path.resolve(dataDir, 'run');
}

export async function startEmbeddedPostgres(options: { dataDir?: string; socketDir: string; maxConnections?: number }): Promise<EmbeddedPostgres> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  await mkdir(options.socketDir, { recursive: true });
  const socketPath = path.join(options.socketDir, `.s.PGSQL.${EMBEDDED_SOCKET_PORT}`);
  // A socket file left by a killed owner would make listen() fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const db = await PGlite.create({ dataDir: options.dataDir, extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  // The pool needs more than one connection; PGlite multiplexes them onto one session.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: options.maxConnections ?? 64 });
  await server.start();
  return {
    db,
    socketDir: options.socketDir,
    async stop() {
      await server.stop();
      await db.close();
      await rm(socketPath, { force: true });
    },
  };
}
