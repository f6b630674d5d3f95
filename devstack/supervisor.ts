import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { backupRoots } from '../core/backup-roots.js';
import { CONFIG_ERROR_EXIT, checkServing, configOrExit, loadConfig } from '../core/config.js';
import { createLogger, logFormat } from '../core/logger.js';
import { entryArgs } from '../core/paths.js';
import { describeTarget, storeTarget } from '../stores/index.js';
import { freePort } from './ports.js';
import { stopProcess } from './process.js';
import { type TemporalDev, startTemporalDev } from './temporal-dev.js';

// `npm start`: the whole embedded stack as one supervised process tree — a Temporal dev server
// (unless TEMPORAL_ADDRESS is set), the worker (which owns the embedded store unless
// DATABASE_URL or QDRANT_URL is set) and the API. With VECFLOW_WORKERS=N > 1: N workers, and
// the embedded store as a process of its own that they share (worker/store-main.ts). A crashed worker or API is restarted with
// backoff; a configuration mistake is not a crash: the whole configuration is checked before
// anything starts, and a child that exits on one (exit 2) stops the stack instead of restarting.
// SIGINT/SIGTERM stops every child before the supervisor exits.
const MAX_RESTARTS_PER_MINUTE = 5;

interface Service {
  name: string;
  entry: string;
  /** Added to the common environment. */
  env?: NodeJS.ProcessEnv;
  child?: ChildProcess;
  restarts: number[];
}

export async function runSupervisor(): Promise<void> {
  const config = configOrExit(() => {
    const c = loadConfig();
    checkServing(c);
    return c;
  });
  const log = createLogger('vecflow', config.env.LOG_LEVEL, config.env.LOG_FORMAT ?? logFormat());
  const say = (msg: string) => log.info(msg);
  mkdirSync(config.dataDir, { recursive: true });
  let stopping = false;
  let temporal: TemporalDev | null = null;
  const workers = config.env.VECFLOW_WORKERS;
  const sharedStore = workers > 1 && storeTarget(config).kind === 'embedded';
  const services: Service[] = [
    ...(sharedStore ? [{ name: 'store', entry: 'worker/store-main', restarts: [] }] : []),
    ...Array.from({ length: workers }, (_, i) => ({
      name: workers > 1 ? `worker-${i + 1}` : 'worker',
      entry: 'worker/main',
      env: sharedStore ? { VECFLOW_EMBEDDED_STORE: 'shared' } : {},
      restarts: [],
    })),
    { name: 'api', entry: 'api/main', restarts: [] },
  ];

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // API first (stop taking requests), then the workers (finish activities), the store, Temporal.
    for (const s of [...services].reverse()) if (s.child) await stopProcess(s.child, 25_000);
    await temporal?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // `npm start` runs us under `sh -c`; a SIGTERM to npm kills that shell without passing the
  // signal on, and we are re-parented. Treat losing the parent like a SIGTERM.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown(0), 500).unref();

  const env: NodeJS.ProcessEnv = { ...process.env };
  // A dev server unless TEMPORAL_ADDRESS (or a Temporal profile) names a Temporal to use.
  if (!config.temporal.external) {
    say('starting Temporal dev server…');
    temporal = await startTemporalDev({
      dbFile: path.join(config.dataDir, 'temporal.db'),
      port: config.env.VECFLOW_TEMPORAL_PORT,
      uiPort: config.env.VECFLOW_TEMPORAL_UI_PORT,
      logFile: path.join(config.dataDir, 'temporal.log'),
      log: say,
    });
    env.TEMPORAL_ADDRESS = temporal.address;
  }
  if (stopping) return;
  // Each worker serves its job metrics on a loopback port of its own; the API sums them.
  const metricsPorts: number[] = [];
  for (const s of services.filter((x) => x.entry === 'worker/main')) {
    const port =
      workers === 1 && config.env.VECFLOW_WORKER_METRICS_PORT
        ? config.env.VECFLOW_WORKER_METRICS_PORT
        : await freePort();
    s.env = { ...s.env, VECFLOW_WORKER_METRICS_PORT: String(port) };
    metricsPorts.push(port);
  }
  env.VECFLOW_WORKER_METRICS_URLS ||= metricsPorts.map((p) => `http://127.0.0.1:${p}`).join(',');
  // The embedded stack on one machine: backups may also go where `npm start` was run from, so
  // the seed's `--output-dir ./embedding_backups/…` works as written (core/backup-roots.ts).
  if (!env.VECFLOW_BACKUP_ROOT && !env.VECFLOW_BACKUP_ROOTS && storeTarget(config).kind === 'embedded') {
    const roots = [path.resolve(config.dataDir, 'backups'), ...(env.INIT_CWD ? [path.resolve(env.INIT_CWD)] : [])];
    env.VECFLOW_BACKUP_ROOTS = roots.join(',');
  }
  say(`backup roots: ${backupRoots(loadConfig(env)).join(', ')} (VECFLOW_BACKUP_ROOTS)`);

  const launch = (s: Service) => {
    const child = spawn(process.execPath, entryArgs(s.entry), {
      cwd: process.cwd(),
      env: { ...env, ...s.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    s.child = child;
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (code === CONFIG_ERROR_EXIT) {
        log.error(`${s.name} stopped on a configuration error (see above); not restarting it`);
        void shutdown(CONFIG_ERROR_EXIT);
        return;
      }
      const now = Date.now();
      s.restarts = s.restarts.filter((t) => now - t < 60_000);
      if (s.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
        log.error(`${s.name} keeps failing (exit ${code ?? signal}); giving up`);
        void shutdown(1);
        return;
      }
      s.restarts.push(now);
      const delay = 500 * 2 ** s.restarts.length;
      log.warn(`${s.name} exited (${code ?? signal}); restarting in ${delay} ms`);
      setTimeout(() => !stopping && launch(s), delay);
    });
  };
  for (const s of services) launch(s);

  const host = config.env.VECFLOW_HOST;
  say(
    `API         http://${host}:${config.env.PORT}  (health: /health, readiness: /ready, OpenAPI: /api/v1/openapi.json)`,
  );
  if (config.env.VECFLOW_GRPC_PORT)
    say(
      `Vald gRPC   ${host}:${config.env.VECFLOW_GRPC_PORT}  (vald.v1 Insert/Upsert/Update/Remove/Object/Search/Flush)`,
    );
  say(`Temporal    ${temporal?.address ?? config.temporal.address} namespace ${config.temporal.namespace}`);
  if (temporal?.uiUrl) say(`Temporal UI ${temporal.uiUrl}`);
  say(
    `Store       ${describeTarget(storeTarget(config))}${sharedStore ? ' — its own process' : ''}; ${workers} worker${workers > 1 ? 's' : ''}`,
  );
  say(`Data dir    ${config.dataDir}`);
}
