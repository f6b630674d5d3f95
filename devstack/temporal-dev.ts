import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { SEARCH_ATTRIBUTES } from '../core/search-attributes.js';
import { freePort, waitForPort } from './ports.js';
import { stopProcess } from './process.js';
import { TEMPORAL, findTool, resolveTool } from './tools.js';

// A Temporal dev server (`temporal server start-dev`) with vecflow's search attributes, for
// `npm start` and for the test suite. Without a CLI binary and when installing one fails, it
// falls back to @temporalio/testing's own download (unless CI=true, where that hides a broken
// install step and so is not tried).
export interface TemporalDevOptions {
  /** SQLite file for persistent state; in-memory when absent. */
  dbFile?: string;
  port?: number;
  /** UI port; null for a headless server. */
  uiPort?: number | null;
  /** Where the server's own log goes; discarded when absent (its tail is kept for errors). */
  logFile?: string;
  log?: (msg: string) => void;
}

export interface TemporalDev {
  address: string;
  uiUrl: string | null;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startTemporalDev(options: TemporalDevOptions = {}): Promise<TemporalDev> {
  const log = options.log ?? console.error;
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort === undefined ? null : options.uiPort;
  let bin: string | null = findTool(TEMPORAL);
  if (!bin) {
    try {
      bin = await resolveTool(TEMPORAL, log);
    } catch (err) {
      if (process.env.CI === 'true')
        throw new Error(`Temporal CLI unavailable and CI=true: ${(err as Error).message}`, { cause: err });
      log(`${(err as Error).message}; trying @temporalio/testing's download`);
      return startWithTestingDownload(port, uiPort, options.dbFile);
    }
  }
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort)]));
  // WAL with synchronous=normal: a killed process loses no commit (the OS has it), and each
  // workflow costs the server less CPU than with a rollback journal synced per transaction.
  if (options.dbFile)
    args.push(
      '--db-filename',
      options.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  for (const a of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${a.name}=Keyword`);
  const out = options.logFile ? openSync(options.logFile, 'a') : 'pipe';
  const child = spawn(bin, args, { stdio: ['ignore', out, out] });
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(
        new Error(
          `temporal server exited early (code ${code}, signal ${signal})${options.logFile ? `; see ${options.logFile}` : `: ${tail}`}`,
        ),
      ),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForPort(port, '127.0.0.1', 60_000), exited]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    pid: child.pid,
    stop: () => stopProcess(child, 10_000),
  };
}

async function startWithTestingDownload(port: number, uiPort: number | null, dbFile?: string): Promise<TemporalDev> {
  // A development dependency: present after `npm ci`, absent from production installs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing').catch((err: Error) => {
    throw new Error(
      `no Temporal CLI, and @temporalio/testing (its fallback) is not installed: set TEMPORAL_ADDRESS or TEMPORAL_CLI_PATH`,
      { cause: err },
    );
  });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port,
      ui: uiPort !== null,
      ...(uiPort !== null ? { uiPort } : {}),
      dbFilename: dbFile,
      searchAttributes: SEARCH_ATTRIBUTES,
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    pid: undefined,
    stop: () => env.teardown(),
  };
}
