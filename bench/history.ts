import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomVector, rng } from '../test/helpers/data.js';
import { startImport, waitForDatasetJob, writeJsonl } from '../test/helpers/datasets.js';
import { REINDEX } from '../test/helpers/reindex.js';
import { seedTextItems } from '../test/helpers/seed.js';
import { startStack } from '../test/helpers/stack.js';
import { UPSERTS, waitForJob, waitForTask } from '../test/helpers/tasks.js';
import { type JobFigures, heartbeatSampler, jobHistories, runGroups } from './temporal-histories.js';

// `npm run bench:history` (issue #15): what 1,000,000-item jobs leave in Temporal — for every
// workflow execution each job produced (parent, children, every continue-as-new run), read back
// from Temporal itself, the number of history events and the largest payload — against the
// goals: every history under 10,000 events, no payload over 256 KB. Jobs: an import of a JSONL
// file, a backup of a collection and its restore, a reindex from one model to another, and ten
// upsertion tasks with caller vectors (one task is bounded by the API's 100,000 items), on the
// embedded stack. BENCH_HISTORY_ITEMS sets the item count (default 1,000,000).
const N = Number(process.env.BENCH_HISTORY_ITEMS ?? 1_000_000);
const TASKS = 10;
const MAX_EVENTS = 10_000;
const MAX_PAYLOAD = 256 * 1024;
const HOUR = 3_600_000;
// History carries references (ids, cursors, files, counts), never vectors: its events follow
// the items, batches and pages, not the dimension. Small vectors keep the run to minutes.
const DIM = 8;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-bench-history-'));
const config = path.join(dir, 'vecflow.config.json');
writeFileSync(
  config,
  JSON.stringify({
    models: [DIM, DIM * 2].map((d) => ({ id: `hash-${d}`, kind: 'hashing', dimension: d, distance: 'cosine' })),
  }),
);
const stack = await startStack(
  {
    LOG_LEVEL: 'error',
    VECFLOW_CONFIG: config,
    VECFLOW_BACKUP_ROOT: path.join(dir, 'backups'),
    VECFLOW_UPLOAD_LIMIT: '20gb',
  },
  { persistentStore: true },
);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

const reason = (err: Error) => `${err.message}${err.cause ? ` (${(err.cause as Error).message})` : ''}`;

/**
 * POSTs a request that names its job (or collection), once more if it never reached the API:
 * after minutes without a request (the seeding), fetch can reuse a keep-alive socket the API
 * server has closed (ECONNRESET). The id makes a second start of the same job a no-op.
 */
async function post(route: string, body: Record<string, unknown>) {
  const send = () => stack.api(`/api/v1${route}`, { body });
  const res = await send().catch((err: Error) => {
    console.log(`  (POST ${route}: ${reason(err)}; sent once more)`);
    return send();
  });
  if (res.status !== 200) throw new Error(`POST ${route}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
}

/** A fresh collection whose blue model is `model`, provisioned as the API does it. */
async function collection(name: string, model: string) {
  await post('/internal/collections', { collection: name, embedding_model_id: model, deploy_as_blue: true });
  return { collection: name, model };
}

/**
 * `prepare` runs before the job's window opens (its provisioning workflows are not the job's);
 * `run` returns the job's own workflow ids (the rest is found from them and from visibility).
 */
const JOBS: { name: string; prepare?: () => Promise<void>; run: () => Promise<string[]> }[] = [
  {
    name: `import of a ${fmt(N)}-line JSONL file`,
    async run() {
      const file = path.join(dir, 'rows.jsonl');
      await writeJsonl(file, N, DIM);
      const started = await startImport(stack, 'hist-import', file, { batch_size: '1000' });
      if (started.status !== 200) throw new Error(`import: ${started.status} ${JSON.stringify(started.body)}`);
      const job = await waitForDatasetJob(stack, 'import', started.body.job_id, HOUR);
      rmSync(file, { force: true });
      if (job.status !== 'completed') throw new Error(`import ${job.status}: ${job.error ?? ''}`);
      return [job.job_id];
    },
  },
  {
    name: `backup of a ${fmt(N)}-item collection`,
    async prepare() {
      const ref = await collection('hist-items', `hash-${DIM}`);
      const t = performance.now();
      await seedTextItems(stack.store, ref, N, 'item', DIM);
      console.log(`  (seeded hist-items straight into the store, not a job: ${fmt((performance.now() - t) / 1000)} s)`);
    },
    async run() {
      const id = 'hist-backup';
      await post('/backups', { backup_id: id, output_dir: id, collections: ['hist-items'] });
      const job = await waitForJob(stack, 'backups', id, HOUR);
      if (job.status !== 'done') throw new Error(`backup ${job.status}: ${job.detail ?? ''}`);
      return [id];
    },
  },
  {
    name: `restore of that backup (clear_existing)`,
    async run() {
      const id = 'hist-restore';
      await post('/restores', { restore_id: id, input_dir: 'hist-backup', clear_existing: true });
      const job = await waitForJob(stack, 'restores', id, HOUR);
      if (job.status !== 'done') throw new Error(`restore ${job.status}: ${job.detail ?? ''}`);
      return [id];
    },
  },
  {
    name: `reindex of ${fmt(N)} items hash-${DIM} → hash-${DIM * 2}`,
    async run() {
      const id = 'hist-reindex';
      await post(`${REINDEX}/run`, {
        task_id: id,
        collection: 'hist-items',
        source: { embedding_model_id: `hash-${DIM}` },
        dest: { embedding_model_id: `hash-${DIM * 2}` },
      });
      const done = await waitForTask(stack, REINDEX, id, ['done', 'failed', 'canceled', 'refused'], HOUR);
      if (done.status !== 'done') throw new Error(`reindex ${done.status}: ${done.detail ?? ''}`);
      console.log(`  (default plan: ${done.children.length} shards, ${fmt(done.count)} items copied)`);
      return [id];
    },
  },
  {
    name: `${TASKS} upsertion tasks × ${fmt(N / TASKS)} items with vectors`,
    async prepare() {
      await collection('hist-upserts', `hash-${DIM}`);
    },
    async run() {
      const next = rng(7);
      const ids: string[] = [];
      for (let t = 0; t < TASKS; t++) {
        const id = `hist-upsert-${t}`;
        const per = Math.floor(N / TASKS);
        const items = Array.from({ length: per }, (_, i) => ({
          object_id: `u-${t * per + i}`,
          vector: Array.from(randomVector(DIM, next)),
          payload: { n: t * per + i },
        }));
        await post(`${UPSERTS}/run`, { task_id: id, collection: 'hist-upserts', items });
        const done = await waitForTask(stack, UPSERTS, id, ['done', 'failed', 'canceled', 'refused'], HOUR);
        if (done.status !== 'done' || done.failed_items.length)
          throw new Error(`task ${id} ${done.status}, ${done.failed_items.length} failed items`);
        ids.push(id);
      }
      return ids;
    },
  },
];

const results: { name: string; secs: number; figures: JobFigures | null; heartbeat: number; error: string | null }[] =
  [];
try {
  console.log(
    `${fmt(N)} items per job, ${DIM}-d vectors, embedded stack (PGlite on disk, worker in process, Temporal dev server).`,
  );
  console.log(
    `Vectors are ${DIM}-d on purpose: workflow histories carry references (ids, cursors, file names, counts), never vectors, so their event counts and payload sizes follow items, batches and pages — not the dimension.`,
  );
  for (const job of JOBS) {
    console.log(`\n${job.name} …`);
    const failed: string[] = [];
    const attempt = <T>(what: string, p: Promise<T>, otherwise: T) =>
      p.catch((err: Error) => (failed.push(`${what}${reason(err)}`), otherwise));
    await attempt('preparing: ', job.prepare?.() ?? Promise.resolve(), undefined);
    const since = new Date();
    const sampler = heartbeatSampler(stack.client, stack.taskQueue);
    const t = performance.now();
    const roots = failed.length ? [] : await attempt('', job.run(), []);
    const secs = (performance.now() - t) / 1000;
    const { largest: heartbeat } = await sampler.stop();
    if (failed.length) console.log(`  FAILED to run: ${failed.join('; ')}`);
    // Whatever ran — a failed job's executions too — is read back.
    const figures = await attempt(
      'reading its histories: ',
      jobHistories(stack.client, stack.taskQueue, since, roots),
      null,
    );
    const error = failed.length ? failed.join('; ') : null;
    results.push({ name: job.name, secs, figures, heartbeat, error });
    if (!figures) continue;
    const { mostEvents: m, biggest: b } = figures;
    console.log(`  ${fmt(secs)} s; ${figures.runs.length} run(s): ${runGroups(figures.runs)}`);
    console.log(`  most events: ${fmt(m?.events ?? 0)} in ${m?.workflowId} (run ${m?.runId})`);
    console.log(`  largest payload: ${fmt(b?.largest ?? 0)} B in ${b?.workflowId} (${b?.largestIn} event)`);
    console.log(`  largest heartbeat details sampled from running activities: ${fmt(heartbeat)} B`);
    if (figures.excluded) console.log(`  (left out: ${figures.excluded} run(s) of the hourly retention schedule)`);
  }

  console.log(
    `\nGoals (issue #15): every history under ${fmt(MAX_EVENTS)} events; no payload over 256 KB (${fmt(MAX_PAYLOAD)} B).`,
  );
  console.log(
    `${'job'.padEnd(48)} | ${'secs'.padStart(5)} | runs | max events | largest payload B | heartbeat B | events | payload`,
  );
  let missed = 0;
  for (const r of results) {
    const f = r.figures;
    const events = f?.mostEvents?.events ?? 0;
    const payload = Math.max(f?.biggest?.largest ?? 0, r.heartbeat);
    const verdict = (ok: boolean) => (r.error ? 'FAIL*' : ok ? 'PASS' : 'FAIL').padEnd(6);
    if (r.error || events >= MAX_EVENTS || payload > MAX_PAYLOAD) missed++;
    console.log(
      `${r.name.padEnd(48)} | ${fmt(r.secs).padStart(5)} | ${String(f?.runs.length ?? '-').padStart(4)} | ${fmt(events).padStart(10)} | ${fmt(f?.biggest?.largest ?? 0).padStart(17)} | ${fmt(r.heartbeat).padStart(11)} | ${verdict(events < MAX_EVENTS)} | ${verdict(payload <= MAX_PAYLOAD)}`,
    );
    if (r.error) console.log(`  * the job did not complete: ${r.error}`);
  }
  console.log(missed ? `${missed} job(s) missed a goal or did not complete.` : 'Every job met both goals.');
  console.log(
    'Heartbeat details are in a history only when an attempt fails or times out: the heartbeat column is sampled every 2 s from running activities and counts toward the payload goal.',
  );
  // A missed goal is a figure, like every bench's; a job that could not run is a failure.
  process.exitCode = results.some((r) => r.error) ? 1 : 0;
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
