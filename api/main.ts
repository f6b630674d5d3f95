import type { Server } from 'node:http';
import { checkServing, configOrExit, isLoopback, loadConfig } from '../core/config.js';
import { createLogger, logFormat } from '../core/logger.js';
import { apiClient } from '../core/temporal.js';
import { openApiStore, storeTarget } from '../stores/index.js';
import { LazyStore } from '../stores/lazy.js';
import { createApp } from './app.js';
import { startGrpcServer } from './grpc/server.js';
import { closeValdJournal, valdJournal } from './vald/journal.js';

// The API process: a thin layer that starts and queries workflows and reads the store (and
// applies Vald writes itself, recording them in Temporal: api/vald/journal.ts).
// The whole configuration is checked before anything starts (a mistake exits 2, never restarted).
const config = configOrExit(() => {
  const c = loadConfig();
  checkServing(c);
  return c;
});
const log = createLogger('api', config.env.LOG_LEVEL, config.env.LOG_FORMAT ?? logFormat());

async function main(): Promise<void> {
  const host = config.env.VECFLOW_HOST;
  const temporal = apiClient(config.temporal);
  const store = new LazyStore(() => openApiStore(storeTarget(config), config.env.VECFLOW_PG_POOL_SIZE));
  const deps = { config, store, temporal, log };
  const app = createApp(deps);

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.env.PORT, host, () => resolve(s)).on('error', reject);
  });
  // Longer than clients' idle keep-alive, so a client never reuses a socket we just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const addr = server.address();
  log.info(
    { url: `http://${host}:${typeof addr === 'object' && addr ? addr.port : config.env.PORT}` },
    'api listening',
  );
  const grpc = config.env.VECFLOW_GRPC_PORT ? await startGrpcServer(deps, host, config.env.VECFLOW_GRPC_PORT) : null;
  // The record of single Vald writes: journals a killed API left behind go to Temporal now.
  void valdJournal(deps).catch((err: Error) => log.warn({ error: err.message }, 'Vald journal recovery failed'));
  if (grpc) log.info({ address: `${host}:${grpc.port}` }, 'Vald gRPC API listening');
  if (!isLoopback(host) && config.env.VECFLOW_S3_BUCKETS.length === 0)
    log.warn('VECFLOW_S3_BUCKETS is not set: requests may name any S3 bucket the credentials reach');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const release = async () => {
      await grpc?.stop();
      await closeValdJournal(deps).catch(() => undefined); // the last single writes' record
      await store.close().catch(() => undefined);
      await temporal.connection.close().catch(() => undefined);
      process.exit(0);
    };
    server.close(() => void release());
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  // The IPC channel only tells us the parent is gone; it must not keep the process alive.
  process.channel?.unref();
}

main().catch((err) => {
  log.fatal({ err }, 'api failed to start');
  process.exit(1);
});
