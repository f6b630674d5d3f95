import { HashingEmbedder } from '../embedders/hashing.js';
import { splitIdSpace } from '../core/id-space.js';
import { seedTextItems } from '../test/helpers/seed.js';
import { startStack } from '../test/helpers/stack.js';
import { waitForTask } from '../test/helpers/tasks.js';
import { REINDEX, startReindex } from '../test/helpers/reindex.js';
import { pointText } from '../activities/reindex/points.js';

// `npm run bench:reindex`: a reindex workflow (hash-384 → hash-256, 4 shards, 4 at once) against
// a direct script doing the same reads, embeddings and writes over the same 4 ranges, on the
// embedded stack. Prints items/s for both; asserts nothing.
const N = Number(process.env.BENCH_ITEMS ?? 20_000);
const stack = await startStack({ LOG_LEVEL: 'error' });
try {
  const src = { collection: 'items', model: 'hash-384' };
  await seedTextItems(stack.store, src, N);

  // Direct: same page size, same embedder, same 'newer' writes, 4 ranges in parallel.
  const direct = { collection: 'items', model: 'direct-256' };
  await stack.store.ensureCollection({ ...direct, dimension: 256, distance: 'cosine' });
  const embedder = new HashingEmbedder('hash-256', 256);
  const ctx = { config: stack.config } as Parameters<typeof pointText>[0];
  let t = performance.now();
  await Promise.all(
    splitIdSpace(4).map(async (range) => {
      let cursor: string | null = null;
      do {
        const page = await stack.store.scan(src, { range, cursor, limit: 200, withVectors: false });
        const vectors = await embedder.embed(page.points.map((p) => pointText(ctx, 'items', p)));
        await stack.store.upsert(
          direct,
          page.points.map((p, i) => ({ ...p, vector: vectors[i] })),
          'newer',
        );
        cursor = page.next;
      } while (cursor);
    }),
  );
  const directRate = N / ((performance.now() - t) / 1000);

  t = performance.now();
  await startReindex(stack, {
    task_id: 'bench',
    source: { embedding_model_id: 'hash-384' },
    dest: { embedding_model_id: 'hash-256' },
    shards: 4,
    max_parallel: 4,
  });
  const done = await waitForTask(stack, REINDEX, 'bench', ['done', 'failed'], 600_000);
  const workflowRate = N / ((performance.now() - t) / 1000);
  if (done.status !== 'done') throw new Error(`reindex ${done.status}: ${done.detail}`);
  console.log(
    `reindex ${N} items 384-d → 256-d: workflow ${Math.round(workflowRate)} items/s (copy + reconcile), direct script ${Math.round(directRate)} items/s (copy only); ratio ${(workflowRate / directRate).toFixed(2)}`,
  );
} finally {
  await stack.stop();
}
