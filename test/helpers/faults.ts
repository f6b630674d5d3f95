import { makePoint, rng } from './data.js';
import type { TestStack } from './stack.js';
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

/** Polls until `items` of the stack holds at least `at` rows (up to 2 min), then returns how many. */
export async function waitForRows(stack: TestStack, at: number): Promise<number> {
  const ref = { collection: 'items', model: (await stack.store.getBlue('items'))! };
  for (let i = 0; i < 1200 && (await stack.store.count(ref)) < at; i++) await new Promise((r) => setTimeout(r, 100));
  return stack.store.count(ref);
}

/** Fills `items` with `n` random 384-d points (`<prefix>-<i>`), 500 at a time. */
export async function seedItems(stack: TestStack, n: number, prefix: string, seed: number) {
  const ref = { collection: 'items', model: (await stack.store.getBlue('items'))! };
  const next = rng(seed);
  for (let s = 0; s < n; s += 500)
    await stack.store.upsert(
      ref,
      Array.from({ length: Math.min(500, n - s) }, (_, i) => makePoint(`${prefix}-${s + i}`, 384, next)),
    );
}
