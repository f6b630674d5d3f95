import { execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, waitForPort } from './ports.js';
import { stopProcess } from './process.js';
import { type PythonLibSpec, resolvePythonLib } from './tools.js';

// A real PostgreSQL server with pgvector, for the tests and benchmarks that must hold the
// Postgres adapter to a real server (DATABASE_URL), not only to PGlite. Debian has no pgvector
// package, so the binaries come from PyPI: `pgserver` ships PostgreSQL 16 with pgvector 0.6.
// Postgres refuses to run as root; as root the server runs as `nobody` (setpriv).
const run = promisify(execFile);
export const PGSERVER: PythonLibSpec[] = [{ dist: 'pgserver', version: '0.1.4' }];
const NOBODY = 65534;

export interface RealPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres, with the vector extension created. */
  url: string;
  stop(): Promise<void>;
}

export async function startRealPostgres(options: { log?: (msg: string) => void } = {}): Promise<RealPostgres> {
  const python = await resolvePythonLib(PGSERVER, options.log);
  const { stdout } = await run(python, ['-c', 'import pgserver, os; print(os.path.dirname(pgserver.__file__))']);
  const bin = path.join(stdout.trim(), 'pginstall', 'bin');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-postgres-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await chown(dir, NOBODY, NOBODY);
  const command = (file: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', path.join(bin, file), ...args]]
      : [path.join(bin, file), args];
  const data = path.join(dir, 'data');
  await run(...command('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']), {
    cwd: dir,
  });
  const port = await freePort();
  const child = spawn(
    ...command('postgres', [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
    ]),
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let tail = '';
  child.stderr!.on('data', (c) => (tail = (tail + c).slice(-4000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`postgres exited early (${code}): ${tail}`))),
  );
  exited.catch(() => undefined);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await Promise.race([waitForPort(port, '127.0.0.1', 60_000), exited]);
    for (let attempt = 0; ; attempt++) {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('CREATE EXTENSION IF NOT EXISTS vector');
        break;
      } catch (err) {
        // "the database system is starting up" until recovery ends.
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    async stop() {
      await stopProcess(child, 10_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
