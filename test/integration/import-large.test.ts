import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { JobFiles } from '../../core/job-files.js';
import type { ImportInput, ImportState } from '../../workflows/datasets/import.js';
import { rowVector, startImport, writeJsonl } from '../helpers/datasets.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import type { Json } from '../helpers/json.js';
import { importWorkflow } from '../../workflows/index.js';

// A 100,000-row JSONL import through the API: every row arrives, with its vector and payload.
describe('a 100,000-row JSONL import', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.stop());

  it('imports every row; progress ends at 100 %', async () => {
    const n = 100_000;
    const dim = 32;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vf-big-')), 'big.jsonl');
    await writeJsonl(file, n, dim);
    const started = await startImport(stack, 'big', file, { batch_size: '1000' });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    // Progress comes from the workflow's state query while it runs (a chunk is 20,000 rows).
    const seen = new Set<number>();
    let job: Json;
    for (;;) {
      job = (await stack.api(`/api/v1/import/${started.body.job_id}`)).body;
      if (job.status !== 'running') break;
      seen.add(job.progress_percentage);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(
      [...seen].some((p) => p > 0 && p < 100),
      `progress between 0 and 100 was visible: ${[...seen]}`,
    );
    assert.deepEqual(
      [job.status, job.total_rows, job.processed_rows, job.successful_rows, job.failed_rows, job.progress_percentage],
      ['completed', n, n, n, 0, 100],
    );
    const ref = { collection: 'big', model: job.model };
    assert.equal(await stack.store.count(ref), n);
    const sample = Array.from({ length: 50 }, (_, k) => (k * 1999) % n);
    const got = await stack.store.get(
      ref,
      sample.map((i) => `r${i}`),
      true,
    );
    assert.equal(got.length, sample.length);
    for (const p of got) {
      const i = Number(p.id.slice(1));
      assert.deepEqual(Array.from(p.vector), rowVector(i, dim), p.id);
      assert.deepEqual(p.payload, { metadata: { i, even: i % 2 === 0 }, content: `row ${i}` });
    }
  });

  it('continues as new over many chunks, carrying counts and errors across runs', async () => {
    const id = randomUUID();
    const file = await new JobFiles(stack.config).file('import', id, 'upload.csv');
    const lines = ['id,values,metadata'];
    for (let i = 0; i < 5000; i++)
      lines.push(i % 700 === 350 ? `c${i},"[1,2]","{}"` : `c${i},"${JSON.stringify(rowVector(i, 4))}","{""i"": ${i}}"`);
    writeFileSync(file, lines.join('\n'));
    const input: ImportInput = {
      dataset: 'can',
      file,
      name: 'upload.csv',
      format: 'csv',
      batch_size: 100,
      skip_existing: false,
      max_errors: 100,
      started_at: new Date().toISOString(),
      chunk_rows: 400,
      chunks_per_run: 3,
    };
    const handle = await stack.client.workflow.start(importWorkflow, {
      workflowId: id,
      taskQueue: stack.taskQueue,
      args: [input],
    });
    const result = (await handle.result()) as ImportState;
    const bad = Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 700 === 350);
    assert.deepEqual(
      [result.status, result.total_rows, result.successful_rows, result.failed_rows],
      ['completed_with_errors', 5000, 5000 - bad.length, bad.length],
    );
    assert.deepEqual(
      result.errors.map((e) => e.row),
      bad.map((i) => i + 1),
    );
    const runs = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(wf.status.name);
    assert.ok(runs.filter((s) => s === 'CONTINUED_AS_NEW').length >= 3, runs.join(','));
    assert.equal(await stack.store.count({ collection: 'can', model: result.model! }), 5000 - bad.length);
  });
});
