import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_ERROR_EXIT, checkServing, configOrExit, loadConfig } from '../core/config.js';
import { createLogger, logFormat } from '../core/logger.js';
import { entryArgs } from '../core/paths.js';
import { describeTarget, storeTarget } from '../stores/index.js';
import { freePort } from './ports.js';
import { stopProcess } from './process.js';
import { type TemporalDev, startTemporalDev } from './temporal-dev.js';

// `npm start`: the whole embedded stack as one supervised process tree — a Temporal dev server
// (unless TEMPORAL_ADDRESS is set), the worker (which owns the embedded store unless
// DATABASE_URL or QDRANT_URL is set) and the API. A crashed worker or API is restarted with
// backoff; a configuration mistake is not a crash: the whole configuration is checked before
// anything starts, and a child that exits on one (exit 2) stops the stack instead of restarting.
// SIGINT/SIGTERM stops every child before the supervisor exits.
const MAX_RESTARTS_PER_MINUTE = 5;

interface Service {
  name: 'worker' | 'api';
  entry: string;
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
  const services: Service[] = [
    { name: 'worker', entry: 'worker/main', restarts: [] },
    { name: 'api', entry: 'api/main', restarts: [] },
  ];

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // API first (stop taking requests), then the worker (finish activities), then Temporal.
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
  // The worker serves its job metrics on a loopback port; the API sums them into its own.
  if (!config.env.VECFLOW_WORKER_METRICS_PORT) env.VECFLOW_WORKER_METRICS_PORT = String(await freePort());
  env.VECFLOW_WORKER_METRICS_URLS ||= `http://127.0.0.1:${env.VECFLOW_WORKER_METRICS_PORT}`;

  const launch = (s: Service) => {
    const child = spawn(process.execPath, entryArgs(s.entry), {
      cwd: process.cwd(),
      env,
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
  say(`Store       ${describeTarget(storeTarget(config))}`);
  say(`Data dir    ${config.dataDir}`);
}
