import { startStack } from '../test/helpers/stack.js';

// `npm run bench:vald`: Vald-API latency and throughput on the embedded stack (real Temporal dev
// server, PGlite, worker and API in one process). Prints figures; asserts nothing.
const DIM = Number(process.env.BENCH_DIM ?? 384);
const SINGLE = Number(process.env.BENCH_SINGLE ?? 300);
const MULTI_BATCH = Number(process.env.BENCH_MULTI_BATCH ?? 500);
const MULTI_TOTAL = Number(process.env.BENCH_MULTI_TOTAL ?? 10_000);

const vec = (i: number) => Array.from({ length: DIM }, (_, j) => Math.sin(i * 31 + j));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const stack = await startStack({ LOG_LEVEL: 'error' });
try {
  const post = (op: string, body: unknown) =>
    fetch(`${stack.apiUrl}/api/v1/vald/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (let i = 0; i < 20; i++) await post('insert', { vector: { id: `warm-${i}`, vector: vec(i) } });

  const latencies: number[] = [];
  for (let i = 0; i < SINGLE; i++) {
    const t = performance.now();
    const res = await post('insert', { vector: { id: `single-${i}`, vector: vec(i) } });
    if (res.status !== 200) throw new Error(`insert answered ${res.status}`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `single insert (${DIM}-d, ${SINGLE} sequential): p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`,
  );

  let t = performance.now();
  for (let start = 0; start < MULTI_TOTAL; start += MULTI_BATCH) {
    const requests = Array.from({ length: Math.min(MULTI_BATCH, MULTI_TOTAL - start) }, (_, k) => ({
      vector: { id: `multi-${start + k}`, vector: vec(start + k) },
    }));
    const res = await post('multi-insert', { requests });
    if (res.status !== 200) throw new Error(`multi-insert answered ${res.status}`);
    await res.arrayBuffer();
  }
  let secs = (performance.now() - t) / 1000;
  console.log(
    `multi insert (${DIM}-d, ${MULTI_TOTAL} in requests of ${MULTI_BATCH}): ${Math.round(MULTI_TOTAL / secs)} vectors/s`,
  );

  t = performance.now();
  const body = Array.from({ length: MULTI_TOTAL }, (_, i) =>
    JSON.stringify({ vector: { id: `stream-${i}`, vector: vec(i) } }),
  ).join('\n');
  const res = await fetch(`${stack.apiUrl}/api/v1/vald/stream-insert`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  const lines = (await res.text()).trim().split('\n').length;
  secs = (performance.now() - t) / 1000;
  console.log(`stream insert (${DIM}-d, ${lines} lines): ${Math.round(lines / secs)} vectors/s`);
} finally {
  await stack.stop();
}
