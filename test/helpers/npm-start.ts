import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '../../devstack/ports.js';
import { ROOT } from '../../devstack/tools.js';
import { waitUntil } from './processes.js';

// The stack as `npm start` runs it (the supervisor, a Temporal dev server, the worker owning the
// embedded store, the API with HTTP and gRPC), on free ports, for tests and benchmarks.
export interface NpmStart {
  child: ChildProcess;
  url: string;
  grpcAddress: string;
  temporalAddress: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once /ready answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

export async function npmStart(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  options: { viaShell?: boolean } = {},
): Promise<NpmStart> {
  const [port, temporalPort, uiPort, grpcPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    VECFLOW_TEMPORAL_PORT: String(temporalPort),
    VECFLOW_TEMPORAL_UI_PORT: String(uiPort),
    VECFLOW_GRPC_PORT: String(grpcPort),
    VECFLOW_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  delete env.TEMPORAL_ADDRESS;
  const args = ['--import', 'tsx', 'cli/main.ts', 'start'];
  // Through a shell that stays alive (as `npm start` runs it), or directly.
  const child = options.viaShell
    ? spawn('sh', ['-c', `${process.execPath} ${args.join(' ')}; true`], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const url = `http://127.0.0.1:${port}`;
  return {
    child,
    url,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    output: () => out,
    ready: (timeoutMs = 120_000) =>
      waitUntil(
        async () => (await fetch(`${url}/ready`).catch(() => null))?.status === 200,
        timeoutMs,
        () => `/ready to answer 200; output so far:\n${out}`,
      ),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
