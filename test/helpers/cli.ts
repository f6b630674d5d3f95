import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../devstack/tools.js';

/**
 * Runs the `vecflow` CLI (its bin, cli/vecflow.js) as a child process, from `cwd` (default the
 * project); never throws on a non-zero exit. A CLI still running after `timeoutMs` (default 4 min) is
 * killed, so a hang fails with what the CLI printed instead of the test's own timeout.
 */
export async function runCli(
  env: Record<string, string>,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [path.join(ROOT, 'cli', 'vecflow.js'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
    timeout: options.timeoutMs ?? 240_000,
    killSignal: 'SIGKILL',
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number | null; killed?: boolean; stdout: string; stderr: string }) => ({
      ...e,
      code: e.code ?? -1,
      stderr: e.killed ? `${e.stderr}\n[runCli: killed after ${options.timeoutMs ?? 240_000} ms]` : e.stderr,
    }),
  );
}
