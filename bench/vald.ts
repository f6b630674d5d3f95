import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../workflows/ids.js';
import { npmStart } from '../test/helpers/npm-start.js';
import { grpcEchoRate, grpcUnaryLatencies } from './grpc-echo.js';
import { processCpu } from './process-cpu.js';
import { startTestPglite } from '../test/helpers/pglite.js';
import { waitUntil } from '../test/helpers/processes.js';
import { call, insertRequest, payload, valdClients } from '../test/helpers/vald-node.js';

// `npm run bench:vald`: Vald writes on the embedded stack as `npm start` runs it (supervisor,
// Temporal dev server, worker owning PGlite, API with HTTP and gRPC), measured by Vald's own Node
// client and plain HTTP; next to them, the store's raw conditional-write rate over the same
// socket. Prints figures; asserts nothing.
const DIM = Number(process.env.BENCH_DIM ?? 384);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 1000);
const BULK = Number(process.env.BENCH_BULK ?? 20_000);
const MULTI_BATCH = Number(process.env.BENCH_MULTI_BATCH ?? 1000);
const MULTI_IN_FLIGHT = Number(process.env.BENCH_MULTI_IN_FLIGHT ?? 4);
/** Runs of each bulk measurement: on 2 shared cores one run varies by ±20 %; the median is printed. */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const vec = (i: number) => Array.from({ length: DIM }, (_, j) => Math.fround(Math.sin(i * 31 + j)));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (v: number) => `${v.toFixed(1)} ms`;
/** The clock, and each process's CPU from now on (the client is this process). */
const mark = () => ({ wall: performance.now(), cpu: processCpu(stack.child.pid!) });
/** CPU milliseconds per 1,000 vectors, by process: on this machine they all share its cores. */
const cpuShares = (since: ReturnType<typeof mark>, vectors: number) =>
  `CPU ms per 1,000 vectors on ${os.availableParallelism()} cores: ${since.cpu.report(vectors / 1000)}`;
const latency = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${ms(pct(s, 50))}, p99 ${ms(pct(s, 99))}`;
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-vald-'));
const stack = await npmStart(dir, { LOG_FORMAT: 'json' });
const { url } = stack;
try {
  await stack.ready();
  // The worker too (it starts polling once its workflow bundle is loaded): until then its event
  // loop, which also serves the embedded store, is busy, and writes would measure that.
  const temporal = await Connection.connect({ address: stack.temporalAddress });
  await waitUntil(
    async () =>
      (
        await temporal.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: DEFAULT_TASK_QUEUE },
          taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
        })
      ).pollers.length > 0,
    180_000,
    'the worker to start polling',
  );
  await temporal.close();
  const vald = valdClients(stack.grpcAddress);
  // Warm up: the first calls also start the worker's workflow cache and the connections.
  for (let i = 0; i < 20; i++) await call(vald.insert.insert, vald.insert, insertRequest(`warm-${i}`, vec(i)));

  // Baseline: the store's own conditional write, one row at a time, over the socket the API uses.
  const pool = new pg.Pool({ host: path.join(dir, 'run'), port: 5432, user: 'postgres', database: 'postgres', max: 1 });
  await pool.query(`CREATE TABLE bench_raw (pid text PRIMARY KEY, vector vector(${DIM}), ts bigint)`);
  const raw: number[] = [];
  for (let i = 0; i < SINGLE; i++) {
    const t = performance.now();
    await pool.query(
      'INSERT INTO bench_raw AS t VALUES ($1, $2, $3) ON CONFLICT (pid) DO UPDATE SET vector = EXCLUDED.vector, ts = EXCLUDED.ts WHERE t.ts < EXCLUDED.ts',
      [`r-${i}`, `[${vec(i).join(',')}]`, i],
    );
    raw.push(performance.now() - t);
  }
  const rawRate = SINGLE / (raw.reduce((a, b) => a + b, 0) / 1000);
  console.log(
    `store, raw conditional write over the socket (${DIM}-d, ${SINGLE} sequential): ${latency(raw)}, ${Math.round(rawRate)} rows/s`,
  );
  await pool.query('DROP TABLE bench_raw');
  await pool.end();

  const grpcSingle: number[] = [];
  for (let i = 0; i < SINGLE; i++) {
    const t = performance.now();
    const r = await call(vald.insert.insert, vald.insert, insertRequest(`g-${i}`, vec(i)));
    if (r.err) throw r.err;
    grpcSingle.push(performance.now() - t);
  }
  console.log(`gRPC Insert (${DIM}-d, ${SINGLE} sequential): ${latency(grpcSingle)}`);
  // The floor of a single write: a unary grpc-js call of the same size to a process that only answers.
  const echoed = await grpcUnaryLatencies(SINGLE, insertRequest('echo', vec(0)).serializeBinary().length);
  console.log(
    `  baseline, grpc-js unary round trip alone (same size, to a process that only answers): ${latency(echoed)}`,
  );

  const restSingle: number[] = [];
  for (let i = 0; i < SINGLE; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/vald/insert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vector: { id: `h-${i}`, vector: vec(i) } }),
    });
    if (res.status !== 200) throw new Error(`REST insert answered ${res.status}`);
    await res.arrayBuffer();
    restSingle.push(performance.now() - t);
  }
  console.log(`REST insert (${DIM}-d, ${SINGLE} sequential): ${latency(restSingle)}`);

  // Requests are built before the clock starts: what is measured is the server, not the
  // generation of test vectors on the same two cores.
  const vectors = Array.from({ length: BULK }, (_, i) => vec(i));
  // Baseline for bulk writes: the store's own bulk path (binary COPY into PGlite, on disk, in
  // this process), the path the worker takes for Multi and Stream batches, without gRPC or Temporal.
  const pglite = await startTestPglite({ persistent: true });
  try {
    const store = await pglite.openStore(1, { bulk: true });
    const ref = { collection: 'bench_bulk', model: 'm' };
    await store.ensureCollection({ ...ref, dimension: DIM, distance: 'cosine' });
    const points = vectors.map((v, i) => ({ id: `b-${i}`, vector: Float32Array.from(v), payload: {}, timestamp: 1n }));
    const since = mark();
    for (let i = 0; i < points.length; i += MULTI_BATCH)
      await store.upsert(ref, points.slice(i, i + MULTI_BATCH), 'absent');
    console.log(
      `baseline for batches, the store's bulk write (binary COPY into PGlite, batches of ${MULTI_BATCH}, in process): ${Math.round(BULK / ((performance.now() - since.wall) / 1000))} vectors/s`,
    );
  } finally {
    await pglite.stop();
  }
  const multiRequests = (prefix: string) => {
    const out: InstanceType<typeof payload.Insert.MultiRequest>[] = [];
    for (let start = 0; start < BULK; start += MULTI_BATCH) {
      const req = new payload.Insert.MultiRequest();
      req.setRequestsList(
        Array.from({ length: Math.min(MULTI_BATCH, BULK - start) }, (_, k) =>
          insertRequest(`${prefix}-${start + k}`, vectors[start + k]),
        ),
      );
      out.push(req);
    }
    return out;
  };
  const streamed = (prefix: string) => vectors.map((v, i) => insertRequest(`${prefix}-${i}`, v));
  const echoSize = streamed('e')[0].serializeBinary().length;
  const echo = await grpcEchoRate(BULK, echoSize);
  console.log(
    `baseline for streams, grpc-js alone (bidi echo of ${BULK} messages of ${echoSize} bytes, another process): ${Math.round(echo)} messages/s`,
  );
  const rates = new Map<string, number[]>();
  const report = (label: string, since: ReturnType<typeof mark>, vectorsDone: number) => {
    const rate = Math.round(vectorsDone / ((performance.now() - since.wall) / 1000));
    rates.set(label, [...(rates.get(label) ?? []), rate]);
    console.log(`${label}: ${rate} vectors/s (${cpuShares(since, vectorsDone)})`);
  };
  for (let run = 1; run <= RUNS; run++) {
    // One request at a time (latency-bound: each waits for the previous answer), then several in
    // flight, as a bulk loader runs them.
    for (const inFlight of [1, MULTI_IN_FLIGHT]) {
      const multis = multiRequests(`m${run}-${inFlight}`);
      const since = mark();
      let next = 0;
      const lane = async () => {
        while (next < multis.length) {
          const r = await call(vald.insert.multiInsert, vald.insert, multis[next++]);
          if (r.err) throw r.err;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
      report(`gRPC MultiInsert (${DIM}-d, ${BULK} in requests of ${MULTI_BATCH}, ${inFlight} in flight)`, since, BULK);
    }
    const requests = streamed(`s${run}`);
    const since = mark();
    const stream = vald.insert.streamInsert();
    let answered = 0;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', () => answered++);
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (const req of requests) {
      if (!stream.write(req)) await new Promise((r) => stream.once('drain', r));
    }
    stream.end();
    await done;
    report(`gRPC StreamInsert (${DIM}-d, ${answered} requests)`, since, answered);
  }
  for (const [label, xs] of rates) {
    const sorted = [...xs].sort((a, b) => a - b);
    console.log(
      `median of ${xs.length} runs, ${label}: ${sorted[Math.floor(sorted.length / 2)]} vectors/s (runs: ${xs.join(', ')})`,
    );
  }
  vald.close();
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
