import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../devstack/tools.js';

/**
 * Runs the `vecflow` CLI (its bin, cli/vecflow.js) as a child process, from `cwd` (default the
 * project); never throws on a non-zero exit.
 */
export async function runCli(
  env: Record<string, string>,
  args: string[],
  options: { cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [path.join(ROOT, 'cli', 'vecflow.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}
