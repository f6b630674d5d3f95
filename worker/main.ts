import { NativeConnection } from '@temporalio/worker';
import { configOrExit } from '../core/config.js';
import { createLogger, logFormat } from '../core/logger.js';
import { ensureSearchAttributes, lazyClient, waitForTemporal } from '../core/temporal.js';
import { describeTarget, openStore, storeTarget } from '../stores/index.js';
import { connectBulk, serveBulk } from '../stores/postgres/bulk-service.js';
import { type EmbeddedBulkAccess, type EmbeddedPostgres, startEmbeddedPostgres } from '../stores/postgres/embedded.js';
import { waitForSharedStore } from '../stores/postgres/shared.js';
import path from 'node:path';
import { prepareContext } from './context.js';
import { installTemporalRuntime } from './runtime.js';
import { serveWorkerMetrics } from './metrics-server.js';
import { ensureCleanupSchedule } from './schedules.js';
import { createVecflowWorker } from './worker.js';

// The worker process. In embedded mode it also owns the PGlite database and serves it on a
// Unix socket for the API and the CLI (only the owner may open PGlite's files) — unless the
// store runs as a process of its own that several workers share (VECFLOW_EMBEDDED_STORE=shared).
// The whole configuration is checked before anything starts (a mistake exits 2, never restarted).
const config = configOrExit();
const log = createLogger('worker', config.env.LOG_LEVEL, config.env.LOG_FORMAT ?? logFormat());

async function main(): Promise<void> {
  installTemporalRuntime(log);
  const target = storeTarget(config);
  let owned: EmbeddedPostgres | undefined;
  let embedded: EmbeddedBulkAccess | undefined;
  let bulkService: { close(): Promise<void> } | undefined;
  if (target.kind === 'embedded' && config.env.VECFLOW_EMBEDDED_STORE === 'shared') {
    await waitForSharedStore(target.socketDir, 120_000);
    embedded = connectBulk(target.socketDir);
  } else if (target.kind === 'embedded') {
    embedded = owned = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'pglite'),
      socketDir: target.socketDir,
      sharedBuffers: config.env.VECFLOW_EMBEDDED_SHARED_BUFFERS,
    });
    // The API's batches (Vald Multi and Stream) take the bulk path through it.
    bulkService = await serveBulk(owned);
  }
  log.info(
    {
      store: describeTarget(target),
      ...(target.kind === 'embedded' ? { owner: owned ? 'this worker' : 'the store process' } : {}),
    },
    'store ready',
  );
  const store = await openStore(target, config.env.VECFLOW_PG_POOL_SIZE, embedded);
  const { address, namespace } = config.temporal;
  const client = lazyClient(config.temporal);
  const ctx = await prepareContext(config, store, log, client, embedded);

  await waitForTemporal(client, 120_000);
  await ensureSearchAttributes(client);
  await ensureCleanupSchedule(client, config, log);
  const connection = await NativeConnection.connect(config.temporal.options);
  const worker = await createVecflowWorker(ctx, {
    connection,
    namespace,
    taskQueue: config.env.VECFLOW_TASK_QUEUE,
    maxActivities: config.env.VECFLOW_MAX_ACTIVITIES,
  });
  // Its /health answers 200 while the worker polls its task queue (docker-compose's health check).
  const metrics = config.env.VECFLOW_WORKER_METRICS_PORT
    ? await serveWorkerMetrics(
        config.env.VECFLOW_WORKER_METRICS_PORT,
        config.env.VECFLOW_WORKER_METRICS_HOST,
        () => worker.getState() === 'RUNNING',
      )
    : null;

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing running activities');
    worker.shutdown();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started by the supervisor: follow it down if it dies without signalling.
  process.on('disconnect', () => stop('parent gone'));
  // The IPC channel only tells us the parent is gone; it must not keep the process alive.
  process.channel?.unref();

  log.info({ taskQueue: config.env.VECFLOW_TASK_QUEUE, temporal: address, namespace }, 'worker running');
  await worker.run();
  metrics?.close();
  await connection.close();
  await client.connection.close();
  await store.close();
  await bulkService?.close();
  await owned?.stop();
  log.info('worker stopped');
  process.exit(0);
}

main().catch((err) => {
  log.fatal({ err }, 'worker failed');
  process.exit(1);
});
