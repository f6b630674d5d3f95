import { createWriteStream, mkdtempSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { randomVector, rng } from '../test/helpers/data.js';
import { importAndWait, waitForDatasetJob } from '../test/helpers/datasets.js';
import { startStack } from '../test/helpers/stack.js';
const N = Number(process.env.BENCH_ROWS ?? 50_000), D = 384;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-exp-'));
const stack = await startStack({ LOG_LEVEL: 'error', VECFLOW_UPLOAD_LIMIT: '20gb' }, { persistentStore: true });
const source = path.join(dir, 'source.jsonl');
const out = createWriteStream(source);
const next = rng(7);
for (let i = 0; i < N; i++) {
  const row = { id: `r${i}`, document_id: `d${i >> 2}`, values: Array.from(randomVector(D, next), (x) => Math.fround(x)), content: `row ${i} text`, metadata: { category: ['a', 'b', 'c'][i % 3], rating: i % 5 }, chunk_index: i % 4, chunk_count: 4 };
  if (!out.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
}
await new Promise<void>((r) => out.end(() => r()));
let t = performance.now();
const seeded = await importAndWait(stack, 'bench-src', source, { batch_size: '1000' });
console.log('import', seeded.status, Math.round(N / ((performance.now() - t) / 1000)), 'rows/s');
for (const format of (process.env.FORMATS ?? 'jsonl,parquet').split(',')) {
  t = performance.now();
  console.log('MARK export start', format, process.hrtime.bigint() / 1000n);
  const started = await stack.api('/api/v1/datasets/bench-src/export', { body: { format } });
  const job = await waitForDatasetJob(stack, 'export', started.body.job_id);
  const t2 = performance.now();
  const res = await fetch(`${stack.apiUrl}${job.download_url}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(path.join(dir, 'out.' + format)));
  console.log('MARK export end', format, process.hrtime.bigint() / 1000n);
  console.log('export', format, job.status, Math.round(N / ((t2 - t) / 1000)), 'rows/s job;', Math.round(N / ((performance.now() - t) / 1000)), 'with download');
}
await stack.stop();
process.exit(0);
