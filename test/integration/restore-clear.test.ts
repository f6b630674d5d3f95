import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { randomVector, rng } from '../helpers/data.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitForJob } from '../helpers/tasks.js';

// A restore with clear_existing that is cancelled midway (issue #14): the collection keeps its
// blue throughout, and the job reports exactly what it left — the rows the cleared collection
// holds, counted after the import stopped — and how to finish.
const ROWS = 30_000;
// Job ids are workflow ids on the Temporal server every test file shares: unique per run.
const run = Date.now().toString(36);
const [BACKUP, CANCELLED, AGAIN] = ['clear-full', 'clear-cancel', 'clear-again'].map((id) => `${id}-${run}`);

describe('a cancelled restore with clear_existing', () => {
  let stack: TestStack;
  let model: string;
  const ref = () => ({ collection: 'items', model });
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BACKUP_ROOT: mkdtempSync(path.join(os.tmpdir(), 'vf-clear-')) });
    model = (await stack.store.getBlue('items'))!;
    const next = rng(21);
    for (let s = 0; s < ROWS; s += 1000)
      await stack.store.upsert(
        ref(),
        Array.from({ length: 1000 }, (_, i) => ({
          id: `c-${s + i}`,
          vector: randomVector(384, next),
          payload: { i: s + i },
          timestamp: 1n,
        })),
      );
    const started = await stack.api('/api/v1/backups', {
      body: { backup_id: BACKUP, output_dir: 'full', collections: ['items'], batch_size: 2000 },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal((await waitForJob(stack, 'backups', BACKUP, 300_000)).status, 'done');
  });
  afterAll(async () => stack.stop());

  it('keeps blue, and says exactly how many rows the cleared collection holds', async () => {
    const started = await stack.api('/api/v1/restores', {
      body: { restore_id: CANCELLED, input_dir: 'full', clear_existing: true },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    // Cancel once the collection has been cleared and the import is under way.
    for (let i = 0; i < 600; i++) {
      const s = (await stack.api(`/api/v1/restores/${CANCELLED}`)).body;
      if (['cleared', 'partial'].includes(s.collections?.[0]?.restore)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await stack.client.workflow.getHandle(CANCELLED).cancel();
    await stack.client.workflow
      .getHandle(CANCELLED)
      .result()
      .catch(() => undefined); // closed: its report is final
    const job = (await stack.api(`/api/v1/restores/${CANCELLED}`)).body;
    assert.equal(job.status, 'canceled', JSON.stringify(job).slice(0, 400));
    const m =
      /items\/[\w.-]+ was cleared and holds (\d+) rows \(the backup has 30000\); restore again with clear_existing to finish/.exec(
        job.detail,
      );
    assert.ok(m, String(job.detail));
    const held = await stack.store.count(ref());
    assert.equal(Number(m[1]), held, 'the reported count is what the collection holds');
    assert.ok(held < ROWS, `cancelled midway (${held} rows)`);
    assert.equal(await stack.store.getBlue('items'), model, 'blue still points at the collection');

    const again = await stack.api('/api/v1/restores', {
      body: { restore_id: AGAIN, input_dir: 'full', clear_existing: true },
    });
    assert.equal(again.status, 200);
    assert.equal((await waitForJob(stack, 'restores', AGAIN, 300_000)).status, 'done');
    assert.equal(await stack.store.count(ref()), ROWS);
  });
});
