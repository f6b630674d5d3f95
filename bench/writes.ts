import { rng, randomVector } from '../test/helpers/data.js';
import { startStack } from '../test/helpers/stack.js';
import { UPSERTS, waitForTask } from '../test/helpers/tasks.js';

// `npm run bench:writes` (issue #15): the write paths that carry caller vectors — an upsertion
// task, Vald MultiInsert and StreamInsert over REST — on the embedded stack (the worker owns
// PGlite in this process and writes through its bulk path), each next to the store adapter's own
// bulk insert of the same rows in the same run. Every path writes N new rows into an empty
// collection of the same dimension. Prints rows/s and ratios; asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 20_000);
const DIM = 384; // the default collections' model (hash-384)
const MULTI_BATCH = 1000;
const IN_FLIGHT = 4;

const stack = await startStack({ LOG_LEVEL: 'error', VECFLOW_BODY_LIMIT: '200mb' }, { persistentStore: true });
const next = rng(7);
const vectors = Array.from({ length: N }, () => Array.from(randomVector(DIM, next)));
const rate = (secs: number) => Math.round(N / secs);
const timed = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
};
/** A fresh collection of the default model for each path, so each starts empty. */
async function collection(name: string) {
  const res = await stack.api('/api/v1/internal/collections', {
    body: { collection: name, embedding_model_id: 'hash-384', deploy_as_blue: true },
  });
  if (res.status >= 300) throw new Error(`provision ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return name;
}

try {
  // Baseline: the adapter's bulk insert (binary COPY + one merge per 1,000 rows), in process.
  const raw = { collection: await collection('w-raw'), model: 'hash-384' };
  const rawSecs = await timed(async () => {
    for (let s = 0; s < N; s += 1000)
      await stack.store.upsert(
        raw,
        vectors.slice(s, s + 1000).map((v, i) => ({
          id: `r-${s + i}`,
          vector: Float32Array.from(v),
          payload: { n: s + i },
          timestamp: 1n,
        })),
      );
  });
  const baseline = rate(rawSecs);
  const line = (what: string, secs: number) =>
    console.log(
      `${what.padEnd(44)} ${String(rate(secs)).padStart(7)} rows/s   ${(rate(secs) / baseline).toFixed(2)}× the bulk insert`,
    );
  console.log(`${N} rows × ${DIM}-d into empty collections, embedded store (PGlite on disk, worker in process)`);
  console.log(`${'store adapter bulk insert (baseline)'.padEnd(44)} ${String(baseline).padStart(7)} rows/s`);

  const task = await collection('w-task');
  // Bodies are serialized before the clock starts: a client does that in its own process.
  const taskBody = JSON.stringify({
    task_id: 'bench-writes',
    collection: task,
    items: vectors.map((vector, i) => ({ object_id: `t-${i}`, vector, payload: { n: i } })),
  });
  // A ceiling for any path that takes JSON: V8 parsing the same body, and nothing else.
  line('JSON.parse of the task body alone (ceiling)', await timed(async () => JSON.parse(taskBody)));
  let accepted = 0;
  line(
    'upsertion task with vectors (one request)',
    await timed(async () => {
      accepted = await timed(async () => {
        const res = await stack.api(`/api/v1${UPSERTS}/run`, { body: taskBody });
        if (res.status !== 200) throw new Error(`task: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      });
      const done = await waitForTask(stack, UPSERTS, 'bench-writes', ['done', 'failed'], 600_000);
      if (done.status !== 'done') throw new Error(`task ${done.status}`);
    }),
  );
  console.log(`  (of which the request, until the task was accepted: ${accepted.toFixed(1)} s)`);

  const multi = await collection('w-multi');
  const multiBodies = Array.from({ length: Math.ceil(N / MULTI_BATCH) }, (_, b) =>
    JSON.stringify({
      requests: vectors
        .slice(b * MULTI_BATCH, (b + 1) * MULTI_BATCH)
        .map((vector, i) => ({ vector: { id: `m-${b * MULTI_BATCH + i}`, vector } })),
    }),
  );
  line(
    `Vald MultiInsert, ${MULTI_BATCH} per request, ${IN_FLIGHT} in flight`,
    await timed(async () => {
      let cursor = 0;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (cursor < multiBodies.length) {
            const body = multiBodies[cursor++];
            const res = await stack.api(`/api/v1/vald/multi-insert?collection=${multi}`, { body });
            if (res.status !== 200) throw new Error(`multi: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          }
        }),
      );
    }),
  );

  const stream = await collection('w-stream');
  const streamBody = vectors.map((vector, i) => JSON.stringify({ vector: { id: `s-${i}`, vector } })).join('\n');
  line(
    'Vald StreamInsert (REST NDJSON), one stream',
    await timed(async () => {
      const res = await fetch(`${stack.apiUrl}/api/v1/vald/stream-insert?collection=${stream}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: streamBody,
      });
      const answers = (await res.text()).trim().split('\n');
      const failed = answers.filter((a) => !a.includes('"location"')).length;
      if (answers.length !== N || failed) throw new Error(`stream: ${answers.length} answers, ${failed} not written`);
    }),
  );
} finally {
  await stack.stop();
}
