import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { importAndWait } from '../helpers/datasets.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// Memory bounded whatever the input: a 1 GiB JSONL line and a 45 KB Parquet file holding 10⁹
// rows are imported through the API by a separate worker process, whose resident memory is
// sampled throughout: each ends in a clear error, the rows around the long line are imported,
// and the worker grows by less than 512 MiB over its baseline.
const MiB = 1024 * 1024;
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe('imports with memory bounded whatever the input', () => {
  let stack: TestStack;
  let worker: ReturnType<typeof spawnWorker>;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-limits-'));
  beforeAll(async () => {
    stack = await startStack({}, { inProcessWorker: false });
    worker = spawnWorker(stack.workerEnv);
  });
  afterAll(async () => {
    await stopWorkerProcess(worker.child);
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs an import while sampling the worker's RSS; the peak growth over the RSS before it. */
  async function measured(run: () => Promise<unknown>) {
    const pid = worker.child.pid!;
    const baseline = rssOf(pid);
    let peak = baseline;
    const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
    try {
      return { result: await run(), grown: peak - baseline };
    } finally {
      clearInterval(timer);
    }
  }

  it('warms the worker up with a small import (DuckDB, the store client) so the baseline is fair', async () => {
    const job = await importAndWait(stack, 'warm', { name: 'warm.jsonl', content: '{"id":"w","values":[1,2]}\n' });
    assert.equal(job.status, 'completed', JSON.stringify(job));
  });

  it('a 1 GiB JSONL line without a newline: one row error, the lines around it imported', async () => {
    const file = path.join(dir, 'one-line.jsonl');
    const out = createWriteStream(file);
    const block = Buffer.alloc(MiB, 'x');
    out.write('{"id":"before","values":[1,2]}\n{"id":"');
    for (let i = 0; i < 1024; i++) if (!out.write(block)) await new Promise<void>((r) => out.once('drain', () => r()));
    out.write('"}\n{"id":"after","values":[3,4]}\n');
    await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));

    const { result, grown } = await measured(() => importAndWait(stack, 'huge_line', file));
    const job = result as { status: string; successful_rows: number; failed_rows: number; errors: unknown[] };
    assert.deepEqual([job.status, job.successful_rows, job.failed_rows], ['completed_with_errors', 2, 1]);
    assert.match(JSON.stringify(job.errors), /line 2 is 1073741833 bytes, over the 16777216-byte limit of one record/);
    assert.ok(grown < 512 * MiB, `the worker grew by ${Math.round(grown / MiB)} MiB`);
    console.log(`[limits] 1 GiB line: worker RSS +${Math.round(grown / MiB)} MiB`);
  });

  it('a Parquet file of 10⁹ rows: refused from its footer, naming the limit', async () => {
    const bomb = path.join(import.meta.dirname, '../fixtures/billion-rows.parquet');
    const { result, grown } = await measured(() => importAndWait(stack, 'bomb', bomb));
    const job = result as { status: string; detail?: string; error?: string };
    assert.equal(job.status, 'failed', JSON.stringify(job));
    assert.match(
      JSON.stringify(job),
      /holds 1000000000 rows; an import takes at most 100000000 \(VECFLOW_IMPORT_MAX_ROWS\)/,
    );
    assert.ok(grown < 512 * MiB, `the worker grew by ${Math.round(grown / MiB)} MiB`);
    console.log(`[limits] 10⁹-row Parquet: worker RSS +${Math.round(grown / MiB)} MiB`);
  });
});
