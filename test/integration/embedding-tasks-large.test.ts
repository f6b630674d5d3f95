import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TEMPORAL, findTool } from '../../devstack/tools.js';
import { localServer } from '../helpers/http-server.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { UPSERTS, waitForTask } from '../helpers/tasks.js';

// The big and the long: a 10,000-item / 50 MB request, progress through a workflow query (REST
// and the temporal CLI), cancel and restart, and embedder retries done by the activity policy.
describe('Embedding Studio tasks at size', () => {
  let stack: TestStack;
  let embedServer: Awaited<ReturnType<typeof localServer>>;
  let failuresLeft = 2;
  beforeAll(async () => {
    // An OpenAI-compatible endpoint that answers 429 twice before it works.
    embedServer = await localServer((req, res) => {
      if (failuresLeft-- > 0) return void res.writeHead(429).end('{"error":"slow down"}');
      const data = (req.body.input as string[]).map((t, index) => ({ index, embedding: [t.length, 1, 0, 0] }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-large-'));
    const config = path.join(dir, 'vecflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        models: [{ id: 'flaky', kind: 'openai', dimension: 4, base_url: embedServer.url, model: 'm', batch_size: 16 }],
        collections: [{ name: 'remote', blue_model: 'flaky' }],
      }),
    );
    stack = await startStack({ VECFLOW_CONFIG: config });
  });
  afterAll(async () => {
    await stack.stop();
    await embedServer.close();
  });

  it('accepts 10,000 items / 50 MB in one request and shows progress as batches finish', async () => {
    const blob = Array.from({ length: 1000 }, (_, i) => i * 1.5);
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      object_id: `big-${i}`,
      payload: { title: `item number ${i} of the big task`, data: blob },
    }));
    const body = JSON.stringify({ task_id: 'ten-thousand', items });
    assert.ok(body.length > 45_000_000, `request is ${body.length} bytes`);
    const started = await stack.api(`/api/v1${UPSERTS}/run`, { body });
    assert.equal(started.status, 200, JSON.stringify(started.body));

    const seen: number[] = [];
    let cliChecked = false;
    for (;;) {
      const t = (await stack.api(`/api/v1${UPSERTS}/ten-thousand`)).body;
      seen.push(t.processed_count);
      if (!cliChecked && t.status === 'processing') {
        // The same progress through the Temporal CLI's workflow query.
        // Asynchronously: the worker answering the query runs in this very process.
        const { stdout: out } = await promisify(execFile)(
          findTool(TEMPORAL)!,
          [
            'workflow',
            'query',
            '--address',
            stack.config.env.TEMPORAL_ADDRESS!,
            '--workflow-id',
            'ten-thousand',
            '--type',
            'state',
            '--output',
            'json',
          ],
          { encoding: 'utf8' },
        );
        const state = JSON.parse(out).queryResult[0];
        assert.equal(state.total, 10_000);
        assert.ok(state.processed_count >= 0 && state.processed_count <= 10_000);
        cliChecked = true;
      }
      if (t.status === 'done') break;
      assert.equal(t.status === 'failed', false);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(cliChecked, 'the task was seen processing');
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      'processed_count never goes back',
    );
    assert.ok(
      seen.some((n) => n > 0 && n < 10_000),
      `intermediate progress seen: ${seen.join(',')}`,
    );
    assert.equal(seen.at(-1), 10_000);
    assert.equal(await stack.store.count({ collection: 'items', model: 'hash-384' }), 10_000);
    const [p] = await stack.store.get({ collection: 'items', model: 'hash-384' }, ['big-9999']);
    assert.deepEqual(p.payload.data, blob);
  });

  it('cancels a running task and restarts it to completion', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => ({
      object_id: `c-${i}`,
      payload: { title: `cancel me ${i}` },
    }));
    await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'to-cancel', items } });
    const canceled = await stack.api(`/api/v1${UPSERTS}/to-cancel/cancel`, { body: {} });
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    const t = await waitForTask(stack, UPSERTS, 'to-cancel');
    assert.equal(t.status, 'canceled');
    assert.ok(t.processed_count < 3000, `stopped early: ${t.processed_count}`);
    assert.equal(
      (await stack.api(`/api/v1${UPSERTS}/to-cancel/cancel`, { body: {} })).status,
      409,
      'an ended task cannot be canceled',
    );

    const restarted = await stack.api(`/api/v1${UPSERTS}/to-cancel/restart`, { body: {} });
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    const done = await waitForTask(stack, UPSERTS, 'to-cancel');
    assert.equal(done.status, 'done');
    assert.equal(done.processed_count, 3000);
    // The restart is a new run of the same job: its creation time stays, in every view of it.
    assert.equal(done.created_at, t.created_at);
    const listed = (await stack.api('/api/v1/jobs?kind=upsertion&limit=500')).body.jobs.find(
      (j: { id: string }) => j.id === 'to-cancel',
    );
    assert.equal(listed.created_at, t.created_at);
    assert.equal((await stack.api('/api/v1/jobs/to-cancel')).body.created_at, t.created_at);
    assert.equal(
      (await stack.api(`/api/v1${UPSERTS}/to-cancel/restart`, { body: {} })).status,
      409,
      'a done task is not restarted',
    );
  });

  it('restarts a failed (terminated) task', async () => {
    const items = Array.from({ length: 2000 }, (_, i) => ({ object_id: `f-${i}`, payload: { title: `fail me ${i}` } }));
    await stack.api(`/api/v1${UPSERTS}/run`, { body: { task_id: 'to-fail', items } });
    await stack.client.workflow.getHandle('to-fail').terminate('test: simulated crash');
    assert.equal((await waitForTask(stack, UPSERTS, 'to-fail')).status, 'failed');
    assert.equal((await stack.api(`/api/v1${UPSERTS}/to-fail/restart`, { body: {} })).status, 200);
    assert.equal((await waitForTask(stack, UPSERTS, 'to-fail')).status, 'done');
    assert.equal(
      (await stack.store.count(
        { collection: 'items', model: 'hash-384' },
        { op: 'exists', path: ['title'], value: true },
      )) >= 2000,
      true,
    );
  });

  it('retries a rate-limited embedder through the activity retry policy', async () => {
    const t = await stack.api(`/api/v1${UPSERTS}/run`, {
      body: { collection: 'remote', items: [{ object_id: 'r1', payload: { title: 'abc' } }] },
    });
    const done = await waitForTask(stack, UPSERTS, t.body.id);
    assert.deepEqual([done.status, done.failed_items], ['done', []]);
    assert.equal(embedServer.requests.length, 3, 'two 429s, then success');
    const [p] = await stack.store.get({ collection: 'remote', model: 'flaky' }, ['r1']);
    assert.deepEqual(Array.from(p.vector), [3, 1, 0, 0]);
  });
});
