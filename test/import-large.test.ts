import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { importAndWait, rowVector, writeJsonl } from './helpers/datasets.js';
import { type TestStack, startStack } from './helpers/stack.js';

// A 100,000-row JSONL import through the API: every row arrives, with its vector and payload.
describe('a 100,000-row JSONL import', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.stop());

  it('imports every row; progress ends at 100 %', async () => {
    const n = 100_000;
    const dim = 32;
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'vf-big-')), 'big.jsonl');
    await writeJsonl(file, n, dim);
    const job = await importAndWait(stack, 'big', file, { batch_size: '1000' });
    assert.deepEqual([job.status, job.total_rows, job.processed_rows, job.successful_rows, job.failed_rows, job.progress_percentage], ['completed', n, n, n, 0, 100]);
    const ref = { collection: 'big', model: job.model };
    assert.equal(await stack.store.count(ref), n);
    const sample = Array.from({ length: 50 }, (_, k) => (k * 1999) % n);
    const got = await stack.store.get(ref, sample.map((i) => `r${i}`), true);
    assert.equal(got.length, sample.length);
    for (const p of got) {
      const i = Number(p.id.slice(1));
      assert.deepEqual(Array.from(p.vector), rowVector(i, dim), p.id);
      assert.deepEqual(p.payload, { metadata: { i, even: i % 2 === 0 }, content: `row ${i}` });
    }
  });
});
