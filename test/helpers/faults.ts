import { spawnWorker } from './worker-process.js';

/** How many times a fault test injects its fault: once in CI, more in `npm run test:faults`. */
export const FAULT_ROUNDS = process.env.VECFLOW_FAULTS === 'full' ? 3 : 1;

/** SIGKILLs the newest worker process, waits for it to die, and starts a fresh one. */
export async function killAndReplace(workers: ReturnType<typeof spawnWorker>[], env: Record<string, string>) {
  const w = workers.at(-1)!;
  w.child.kill('SIGKILL');
  await new Promise((r) =>
    w.child.exitCode !== null || w.child.signalCode !== null ? r(null) : w.child.once('exit', r),
  );
  workers.push(spawnWorker(env));
}
