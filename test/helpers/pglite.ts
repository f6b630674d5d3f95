import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Db } from '../../stores/postgres/db.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../stores/postgres/embedded.js';
import { PostgresStore } from '../../stores/postgres/store.js';
import { postgresPool } from '../../stores/index.js';
import { provided } from './servers.js';

/** A throwaway PGlite served on a Unix socket in a temp dir, as the worker serves it. */
export async function startTestPglite(options: { persistent?: boolean; sharedBuffers?: string } = {}): Promise<{
  embedded: EmbeddedPostgres;
  dir: string;
  /** A store over the socket; with `bulk`, one that also takes this process's COPY bulk path. */
  openStore(poolSize?: number, options?: { bulk?: boolean }): Promise<PostgresStore>;
  stop(): Promise<void>;
}> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-pg-'));
  const embedded = await startEmbeddedPostgres({
    dataDir: options.persistent ? path.join(dir, 'data') : undefined,
    socketDir: path.join(dir, 'run'),
    sharedBuffers: options.sharedBuffers,
  });
  const opened: PostgresStore[] = [];
  return {
    embedded,
    dir,
    async openStore(poolSize = 4, options = {}) {
      const pool = postgresPool({ kind: 'embedded', socketDir: embedded.socketDir }, poolSize);
      const store = await PostgresStore.open(new Db(pool), options.bulk ? { runner: embedded } : undefined);
      opened.push(store);
      return store;
    },
    async stop() {
      for (const s of opened) await s.close().catch(() => undefined);
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The run's shared embedded Postgres (globalSetup), over its socket as the API and the CLI reach
 * a worker's; outside vitest, a throwaway one. Other tests use it too: work in collections or
 * tables of your own.
 */
export async function sharedPgliteSocket(): Promise<{ socketDir: string; stop(): Promise<void> }> {
  const socketDir = await provided('pgliteSocketDir');
  if (socketDir) return { socketDir, stop: async () => undefined };
  const own = await startTestPglite();
  return { socketDir: own.embedded.socketDir, stop: () => own.stop() };
}
