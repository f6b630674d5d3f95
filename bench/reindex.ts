import { HashingEmbedder } from '../embedders/hashing.js';
import { splitIdSpace } from '../core/id-space.js';
import { seedTextItems } from '../test/helpers/seed.js';
import { startStack } from '../test/helpers/stack.js';
import { waitForTask } from '../test/helpers/tasks.js';
import { REINDEX, startReindex } from '../test/helpers/reindex.js';
import { pointText } from '../activities/reindex/points.js';

// `npm run bench:reindex`: a reindex workflow (hash-384 → hash-256, 4 shards, 4 at once) against
// a direct script doing the same reads, embeddings and writes over the same 4 ranges, on the
// embedded stack, at 100,000 items: before its shards start (printed as "shards from") the
// workflow reads the source once (its size, and its items without text), and no shard reconciles
// within 1 s of the destination's registration (the write-target grace), costs a small N would
// let dominate. Prints items/s for both.
// The store is on disk, as `npm start` keeps it: in memory, PGlite's file system copies a whole
// table file each time Postgres extends it, a cost that production does not pay. The two run in
// turns (BENCH_RUNS rounds, default 3), each against a fresh destination, and the median ratio
// is the figure: this machine's rate moves by a third within minutes. A small round on another
// collection warms both up first.
const N = Number(process.env.BENCH_ITEMS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const stack = await startStack({ LOG_LEVEL: 'error' }, { persistentStore: true });
const seconds = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
  Number(e.eventTime?.seconds ?? 0) + (e.eventTime?.nanos ?? 0) / 1e9;

/** Direct: same page size, same embedder, same 'newer' writes, 4 ranges in parallel. */
async function runDirect(collection: string, n: number): Promise<number> {
  const src = { collection, model: 'hash-384' };
  const direct = { collection, model: 'direct-256' };
  await stack.store.dropCollection(direct).catch(() => undefined);
  await stack.store.ensureCollection({ ...direct, dimension: 256, distance: 'cosine' });
  const embedder = new HashingEmbedder('hash-256', 256);
  const ctx = { config: stack.config } as Parameters<typeof pointText>[0];
  const t = performance.now();
  await Promise.all(
    splitIdSpace(4).map(async (range) => {
      let cursor: string | null = null;
      do {
        const page = await stack.store.scan(src, { range, cursor, limit: 200, withVectors: false });
        const vectors = await embedder.embed(page.points.map((p) => pointText(ctx, collection, p)));
        await stack.store.upsert(
          direct,
          page.points.map((p, i) => ({ ...p, vector: vectors[i] })),
          'newer',
        );
        cursor = page.next;
      } while (cursor);
    }),
  );
  return n / ((performance.now() - t) / 1000);
}

/** The reindex workflow into a fresh hash-256 destination. */
async function runWorkflow(collection: string, n: number, taskId: string): Promise<number> {
  await stack.store.dropCollection({ collection, model: 'hash-256' }).catch(() => undefined);
  const t = performance.now();
  await startReindex(stack, {
    task_id: taskId,
    collection,
    source: { embedding_model_id: 'hash-384' },
    dest: { embedding_model_id: 'hash-256' },
    shards: 4,
    max_parallel: 4,
  });
  const done = await waitForTask(stack, REINDEX, taskId, ['done', 'failed'], 600_000);
  if (done.status !== 'done') throw new Error(`reindex ${done.status}: ${done.detail}`);
  return n / ((performance.now() - t) / 1000);
}

/** Where a workflow run's time went, from its histories. */
async function explain(taskId: string): Promise<void> {
  // Activity seconds by type, summed over the shards' histories.
  const busy: Record<string, number> = {};
  const between: number[] = [];
  for await (const wf of stack.client.workflow.list({ query: `WorkflowType = 'reindexShardWorkflow'` })) {
    if (!wf.workflowId.startsWith(`${taskId}/`)) continue;
    const scheduled = new Map<string, { type: string; at: number }>();
    // A shard run's span from its first schedule to its last completion, less its activities'
    // time: the time between them (workflow tasks, signals, scheduling).
    let [active, firstAt, lastAt] = [0, Infinity, 0];
    for (const e of (await stack.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? []) {
      const at = seconds(e);
      const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (type) scheduled.set(String(e.eventId), { type, at });
      const done = e.activityTaskCompletedEventAttributes?.scheduledEventId;
      const begun = done ? scheduled.get(String(done)) : undefined;
      if (!begun) continue;
      busy[begun.type] = (busy[begun.type] ?? 0) + at - begun.at;
      active += at - begun.at;
      [firstAt, lastAt] = [Math.min(firstAt, begun.at), at];
    }
    if (lastAt > 0) between.push(lastAt - firstAt - active);
  }
  // The parent's timeline: before the first shard started, the shards, after the last one.
  const parent = (await stack.client.workflow.getHandle(taskId).fetchHistory()).events ?? [];
  const t0 = seconds(parent[0]);
  const children = parent.filter(
    (e) => e.startChildWorkflowExecutionInitiatedEventAttributes || e.childWorkflowExecutionCompletedEventAttributes,
  );
  const marks = parent
    .filter((e) => e.activityTaskScheduledEventAttributes || e.startChildWorkflowExecutionInitiatedEventAttributes)
    .map(
      (e) => `${(seconds(e) - t0).toFixed(2)} ${e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'child'}`,
    );
  console.log(
    `  parent: ${parent.length} events over ${(seconds(parent[parent.length - 1]) - t0).toFixed(1)} s; shards from ${(seconds(children[0]) - t0).toFixed(1)} s to ${(seconds(children[children.length - 1]) - t0).toFixed(1)} s; scheduled at: ${marks.join(', ')}`,
  );
  console.log(
    `  activity seconds over all shards (4 run at once): ${Object.entries(busy)
      .map(([type, secs]) => `${type} ${secs.toFixed(1)} s`)
      .join(', ')}; between a shard's activities ${between.map((b) => b.toFixed(1)).join(' / ')} s (per shard run)`,
  );
}

try {
  // A long-running worker has long been warm: one small round first, not counted.
  const warmup = { collection: 'warmup', model: 'hash-384' };
  await stack.store.ensureCollection({ ...warmup, dimension: 384, distance: 'cosine' });
  await stack.store.setBlue(warmup);
  await seedTextItems(stack.store, warmup, 5000, 'warm');
  await runDirect('warmup', 5000);
  await runWorkflow('warmup', 5000, 'bench-warmup');
  await seedTextItems(stack.store, { collection: 'items', model: 'hash-384' }, N);
  const ratios: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const directRate = await runDirect('items', N);
    const workflowRate = await runWorkflow('items', N, `bench-${run}`);
    ratios.push(workflowRate / directRate);
    console.log(
      `round ${run}: reindex ${N} items 384-d → 256-d: workflow ${Math.round(workflowRate)} items/s (copy + reconcile), direct script ${Math.round(directRate)} items/s (copy only); ratio ${(workflowRate / directRate).toFixed(2)}`,
    );
    await explain(`bench-${run}`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `reindex ${N} items, ${RUNS} rounds: ratio median ${sorted[Math.floor((sorted.length - 1) / 2)].toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
} finally {
  await stack.stop();
}
