import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { type NpmStart, npmStart } from '../test/helpers/npm-start.js';
import { waitUntil } from '../test/helpers/processes.js';

// `npm run bench:workers`: the `npm start` stack with VECFLOW_WORKERS=1 and then 3 (the embedded
// store as its own process, shared), the same reindex (BENCH_ITEMS items, hash-384 → hash-256,
// 6 shards) and backup on each; prints the rates and, read from Temporal's histories, which
// worker (pid@host) ran how many activities of each job. Asserts nothing. On this 2-core machine
// three workers cannot be faster than one — the figures show the work spreading, not a speed-up.
const N = Number(process.env.BENCH_ITEMS ?? 20_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
type Json = any;

async function api(stack: NpmStart, p: string, body?: unknown): Promise<Json> {
  const res = await fetch(stack.url + p, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

async function until(stack: NpmStart, route: string, done: (j: Json) => boolean): Promise<Json> {
  let last: Json;
  await waitUntil(async () => done((last = await api(stack, route).catch(() => ({})))), 3_600_000, route);
  return last;
}

/** Activities started per worker identity over these workflows and their children. */
async function ranBy(client: Client, ids: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of ids) {
    for (const e of (await client.workflow.getHandle(id).fetchHistory()).events ?? []) {
      const who = e.activityTaskStartedEventAttributes?.identity;
      if (who) out[who] = (out[who] ?? 0) + 1;
    }
  }
  return out;
}

for (const workers of [1, 3]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-workers-'));
  const stack = await npmStart(dir, { VECFLOW_WORKERS: String(workers), LOG_LEVEL: 'error' });
  try {
    await stack.ready();
    const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
    const items = Array.from({ length: N }, (_, i) => ({ object_id: `b-${i}`, payload: { title: `item ${i}` } }));
    await api(stack, '/api/v1/embeddings/upsertion-tasks/run', { task_id: 'seed', items });
    await until(stack, '/api/v1/embeddings/upsertion-tasks/seed', (t) => t.status === 'done');

    let t = performance.now();
    await api(stack, '/api/v1/internal/reindex-tasks/run', {
      task_id: 'bench-reindex',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      shards: 6,
      max_parallel: 6,
    });
    const reindex = await until(stack, '/api/v1/internal/reindex-tasks/bench-reindex', (j) =>
      ['done', 'failed', 'canceled'].includes(j.status),
    );
    const reindexSecs = (performance.now() - t) / 1000;

    t = performance.now();
    await api(stack, '/api/v1/backups', { backup_id: 'bench-backup', output_dir: 'bench', batch_size: 2_000 });
    const backup = await until(stack, '/api/v1/backups/bench-backup', (j) => j.status !== 'processing');
    const backupSecs = (performance.now() - t) / 1000;

    const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')}/s`;
    const store =
      workers > 1 ? 'the embedded store in its own process, shared' : 'the embedded store owned by the worker';
    console.log(`${workers} worker(s), ${N.toLocaleString('en')} items, ${store}`);
    console.log(
      `  reindex (6 shards): ${reindex.status}, ${rate(N, reindexSecs)}; activities per worker: ${JSON.stringify(await ranBy(client, ['bench-reindex', ...reindex.children]))}`,
    );
    console.log(
      `  backup (2 collections, parts of 2,000): ${backup.status}, ${rate(backup.rows_total ?? N, backupSecs)}; activities per worker: ${JSON.stringify(await ranBy(client, ['bench-backup']))}`,
    );
    await client.connection.close();
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
