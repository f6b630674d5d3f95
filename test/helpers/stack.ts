import type { Server } from 'node:http';
import pg from 'pg';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { createApp } from '../../api/app.js';
import { startGrpcServer } from '../../api/grpc/server.js';
import { closeValdJournal } from '../../api/vald/journal.js';
import { type AppConfig, loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { apiClient, ensureSearchAttributes } from '../../core/temporal.js';
import { openApiStore } from '../../stores/index.js';
import { LazyStore } from '../../stores/lazy.js';
import { serveBulk } from '../../stores/postgres/bulk-service.js';
import type { VectorStore } from '../../stores/port.js';
import { prepareContext } from '../../worker/context.js';
import { createVecflowWorker } from '../../worker/worker.js';
import type { EmbeddedPostgres } from '../../stores/postgres/embedded.js';
import { startTestPglite } from './pglite.js';
import { nativeConnection, runInBackground, testTemporal, uniqueQueue, workflowBundle } from './temporal.js';
import type { Json } from './json.js';

export interface TestStack {
  config: AppConfig;
  store: VectorStore;
  client: Client;
  taskQueue: string;
  apiUrl: string;
  /** host:port of the Vald gRPC API, when the stack was started with `grpc`. */
  grpcAddress: string | null;
  /** Environment for a worker process of this stack's own (same store, Temporal, queue, data dir). */
  workerEnv: Record<string, string>;
  /** The embedded database this process owns (COPY in process). */
  embedded: EmbeddedPostgres;
  /** Raw SQL on the embedded store, for tests that need to reach behind the adapter. */
  sql(text: string, params?: unknown[]): Promise<Json[]>;
  /** fetch() against the API, JSON in and out. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  stop(): Promise<void>;
}

/**
 * The real thing, in one process: Temporal (dev server), PGlite served on its socket, a worker
 * on a task queue of its own, and the API on an ephemeral port.
 */
export async function startStack(
  env: Record<string, string> = {},
  options: {
    inProcessWorker?: boolean;
    persistentStore?: boolean;
    grpc?: boolean;
    /** A Temporal server the test runs (and restarts) itself, instead of the run's shared one. */
    temporalAddress?: string;
  } = {},
): Promise<TestStack> {
  const taskQueue = uniqueQueue('test');
  const pglite = await startTestPglite({
    persistent: options.persistentStore,
    // As the worker would be started (benches set it in their environment).
    sharedBuffers: env.VECFLOW_EMBEDDED_SHARED_BUFFERS ?? (process.env.VECFLOW_EMBEDDED_SHARED_BUFFERS || undefined),
  });
  const temporal = await testTemporal(options.temporalAddress);
  const config = loadConfig({
    VECFLOW_TASK_QUEUE: taskQueue,
    VECFLOW_DATA_DIR: pglite.dir,
    TEMPORAL_ADDRESS: temporal.address,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const log = createLogger('test', 'warn');
  const store = await pglite.openStore(4, { bulk: true });
  await ensureSearchAttributes(temporal.client);
  const ctx = await prepareContext(config, store, log, temporal.client, pglite.embedded);
  const connection: NativeConnection = await nativeConnection(temporal.address);
  const worker =
    options.inProcessWorker === false
      ? null
      : await createVecflowWorker(ctx, {
          connection,
          namespace: 'default',
          taskQueue,
          workflowBundle: await workflowBundle(),
        });
  const stopWorker = worker ? runInBackground(worker) : async () => undefined;

  // As in `npm start`: the owner of PGlite serves its bulk path; the API takes it for batches.
  const bulkService = await serveBulk(pglite.embedded);
  const apiStore = new LazyStore(() => openApiStore({ kind: 'embedded', socketDir: pglite.embedded.socketDir }, 4));
  // The API's own client (its retry policy: a Temporal outage is a quick 503).
  const apiTemporal = apiClient({ options: { address: temporal.address }, namespace: 'default' });
  const deps = { config, store: apiStore, temporal: apiTemporal, log };
  const app = createApp(deps);
  // The Vald gRPC API, as the API process serves it, on a port of its own.
  const grpc = options.grpc ? await startGrpcServer(deps, '127.0.0.1', 0) : null;
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const { port } = server.address() as { port: number };
  const apiUrl = `http://127.0.0.1:${port}`;

  let pool: pg.Pool | undefined;
  const workerEnv = {
    ...env,
    TEMPORAL_ADDRESS: temporal.address,
    VECFLOW_TASK_QUEUE: taskQueue,
    VECFLOW_DATA_DIR: pglite.dir,
    DATABASE_URL: `postgresql://postgres@/postgres?host=${encodeURIComponent(pglite.embedded.socketDir)}`,
    LOG_LEVEL: 'warn',
    // For the CLI (runCli), which talks to this stack's API.
    VECFLOW_API_URL: apiUrl,
  };
  return {
    workerEnv,
    config,
    store,
    client: temporal.client,
    taskQueue,
    apiUrl,
    grpcAddress: grpc ? `127.0.0.1:${grpc.port}` : null,
    embedded: pglite.embedded,
    async sql(text, params = []) {
      pool ??= new pg.Pool({
        host: pglite.embedded.socketDir,
        port: 5432,
        user: 'postgres',
        database: 'postgres',
        max: 1,
      });
      return (await pool.query(text, params)).rows;
    },
    async api(path, init = {}) {
      const request = () =>
        fetch(apiUrl + path, {
          method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
          headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
          body:
            init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
        });
      // Client and server share this process: after a long busy stretch (a bench's inserts) the
      // client can reuse a kept-alive socket whose idle timeout the server has not yet run; the
      // server then drops it under the request (ECONNRESET) before reading it. Sent once more.
      const res = await request().catch((err: Error & { cause?: { code?: string } }) => {
        if (err.cause?.code !== 'ECONNRESET') throw err;
        return request();
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body, headers: res.headers };
    },
    async stop() {
      await grpc?.stop();
      await closeValdJournal(deps);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await stopWorker();
      await pool?.end();
      await connection.close();
      await apiTemporal.connection.close();
      await apiStore.close();
      await bulkService.close();
      await temporal.stop();
      await pglite.stop();
    },
  };
}
