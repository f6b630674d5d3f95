import path from 'node:path';
import { configOrExit } from '../core/config.js';
import { createLogger, logFormat } from '../core/logger.js';
import { describeTarget, storeTarget } from '../stores/index.js';
import { serveBulk } from '../stores/postgres/bulk-service.js';
import { startEmbeddedPostgres } from '../stores/postgres/embedded.js';

// The embedded store as a process of its own, for several workers (`VECFLOW_WORKERS` > 1, or
// workers started with VECFLOW_EMBEDDED_STORE=shared): it owns PGlite, serves it on its Postgres
// socket and serves the bulk path (binary COPY in process) beside it. Killing a worker no longer
// takes the store down; the workers, the API and the CLI are all its clients.
const config = configOrExit();
const log = createLogger('store', config.env.LOG_LEVEL, config.env.LOG_FORMAT ?? logFormat());

async function main(): Promise<void> {
  const target = storeTarget(config);
  if (target.kind !== 'embedded') {
    log.error({ store: describeTarget(target) }, 'the store process serves only the embedded store; nothing to do');
    process.exit(2);
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'pglite'),
    socketDir: target.socketDir,
    sharedBuffers: config.env.VECFLOW_EMBEDDED_SHARED_BUFFERS,
  });
  const bulk = await serveBulk(embedded);
  log.info({ store: describeTarget(target) }, 'store ready (shared by the workers, bulk path served)');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'store stopping');
    await bulk.close();
    await embedded.stop();
    log.info('store stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('disconnect', () => void stop('parent gone'));
  process.channel?.unref();
}

main().catch((err) => {
  log.fatal({ err }, 'store failed');
  process.exit(1);
});
