import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../../devstack/tools.js';

/** Runs the `vecflow` CLI (cli/main.ts) as a child process; never throws on a non-zero exit. */
export async function runCli(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}
