import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { HashingEmbedder } from '../../embedders/hashing.js';
import { bytesOf } from '../helpers/data.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { DELETES, UPSERTS, waitForTask } from '../helpers/tasks.js';

// Embedding Studio tasks on a real Temporal dev server and the embedded store. The items
// collection splits text longer than 60 characters into chunks, to exercise chunking.
const items = { collection: 'items', model: 'hash-384' };
const categories = { collection: 'categories', model: 'hash-384' };

describe('Embedding Studio upsertion and deletion tasks', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-tasks-'));
    const config = path.join(dir, 'vecflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({ collections: [{ name: 'items', blue_model: 'hash-384', max_chunk_chars: 60 }] }),
    );
    stack = await startStack({ VECFLOW_CONFIG: config });
  });
  afterAll(async () => stack.stop());

  const run = async (route: string, body: unknown) => {
    const res = await stack.api(`/api/v1${route}`, { body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };

  it('upserts items, embedding their text with the blue model, and reports the seed’s task shape', async () => {
    const started = await run(`${UPSERTS}/run`, {
      task_id: 'product_upsert_20250422',
      items: [
        {
          object_id: 'product-12345',
          payload: { title: 'Ergonomic Office Chair', price: 299.99, tags: ['office'] },
          item_info: { source_name: 'product_catalog' },
        },
        { object_id: 'product-12346', payload: { title: 'Adjustable Standing Desk', category: 'furniture' } },
      ],
    });
    assert.equal(started.id, 'product_upsert_20250422');
    assert.ok(['pending', 'processing', 'done'].includes(started.status));
    const task = await waitForTask(stack, UPSERTS, started.id);
    assert.deepEqual(
      {
        status: task.status,
        processed: task.processed_count,
        failed: task.failed_items,
        model: task.embedding_model_id,
        ftm: task.fine_tuning_method,
      },
      { status: 'done', processed: 2, failed: [], model: 'hash-384', ftm: null },
    );
    for (const key of ['id', 'task_id', 'created_at', 'updated_at']) assert.ok(task[key], key);
    const [chair] = await stack.store.get(items, ['product-12345']);
    assert.deepEqual(chair.payload, { title: 'Ergonomic Office Chair', price: 299.99, tags: ['office'] });
    const [expected] = await new HashingEmbedder('hash-384', 384).embed(['Ergonomic Office Chair']);
    assert.equal(
      bytesOf(chair.vector),
      bytesOf(expected),
      'text taken from the string fields and embedded by hash-384',
    );
  });

  it('uses a caller vector as given and validates it', async () => {
    const vector = Array.from({ length: 384 }, (_, i) => (i % 7) / 7);
    const t = await waitForTask(
      stack,
      UPSERTS,
      (await run(`${UPSERTS}/run`, { items: [{ object_id: 'with-vector', payload: {}, vector }] })).id,
    );
    assert.equal(t.status, 'done');
    const [p] = await stack.store.get(items, ['with-vector']);
    assert.equal(bytesOf(p.vector), bytesOf(Float32Array.from(vector)));

    // Refused per item, the others written: a value beyond float32, a non-number, a wrong length.
    const bad = await waitForTask(
      stack,
      UPSERTS,
      (
        await run(`${UPSERTS}/run`, {
          items: [
            { object_id: 'v-ok', payload: {}, vector },
            { object_id: 'v-huge', payload: {}, vector: vector.map((x, i) => (i === 3 ? 1e39 : x)) },
            { object_id: 'v-text', payload: {}, vector: vector.map((x, i) => (i === 5 ? 'x' : x)) },
            { object_id: 'v-short', payload: {}, vector: vector.slice(1) },
          ],
        })
      ).id,
    );
    assert.deepEqual(
      bad.failed_items.map((f: { object_id: string; detail: string }) => `${f.object_id}: ${f.detail}`),
      [
        'v-huge: vector[3] is outside the float32 range',
        'v-text: vector[5] is not a finite number',
        'v-short: vector must be an array of 384 numbers, got 383',
      ],
    );
    assert.deepEqual(
      (await stack.store.get(items, ['v-ok', 'v-huge', 'v-text', 'v-short'])).map((q) => q.id),
      ['v-ok'],
    );
  });

  it('answers the same task id with the same task and runs it once; any string id works', async () => {
    const body = { task_id: 'idem/ü 🙂?#&x=1', items: [{ object_id: 'idem-1', payload: { title: 'once' } }] };
    const first = await run(`${UPSERTS}/run`, body);
    const second = await run(`${UPSERTS}/run`, {
      ...body,
      items: [{ object_id: 'idem-2', payload: { title: 'twice' } }],
    });
    assert.equal(second.id, first.id);
    const done = await waitForTask(stack, UPSERTS, first.id);
    const third = await run(`${UPSERTS}/run`, body);
    assert.equal(third.status, 'done');
    assert.equal(done.processed_count, 1);
    assert.deepEqual(
      (await stack.store.get(items, ['idem-1', 'idem-2'])).map((p) => p.id),
      ['idem-1'],
      'the second body was never run',
    );
    const runs: string[] = [];
    for await (const wf of stack.client.workflow.list({ query: `WorkflowId = '${first.id.replace(/'/g, "\\'")}'` }))
      runs.push(wf.runId);
    assert.equal(runs.length, 1);
    for (const id of ['run', 'x'.repeat(1000), '  spaces  ', '../../etc/passwd']) {
      const t = await run(`${UPSERTS}/run`, {
        id,
        items: [{ object_id: `odd-${id.length}`, payload: { title: 'odd id' } }],
      });
      assert.equal(t.id, id);
      assert.equal((await waitForTask(stack, UPSERTS, id)).status, 'done');
    }
    const tooLong = await stack.api(`/api/v1${UPSERTS}/run`, {
      body: { task_id: 'y'.repeat(1001), items: [{ object_id: 'a', payload: {} }] },
    });
    assert.equal(tooLong.status, 400);
    const conflict = await stack.api(`/api/v1${DELETES}/run`, { body: { task_id: first.id, object_ids: ['x'] } });
    assert.equal(conflict.status, 409, 'an upsertion task id cannot be reused by a deletion task');
  });

  it('finishes partial successes as done, listing each failed item with its stage', async () => {
    const task = await waitForTask(
      stack,
      UPSERTS,
      (
        await run(`${UPSERTS}/run`, {
          items: [
            { object_id: 'good-1', payload: { title: 'fine' } },
            { object_id: '', payload: { title: 'empty id' } },
            { object_id: 'no-payload' },
            { object_id: 'no-text', payload: { n: 1, flag: true } },
            { object_id: 'short-vector', payload: { title: 'x' }, vector: [1, 2, 3] },
            { object_id: 'bad-number', payload: { title: 'x' }, vector: [...Array(383).fill(0.1), 'NaN'] },
            { object_id: 'nul', payload: { title: 'has a \u0000 inside' } },
            { object_id: 'good-2', payload: { title: 'also fine' } },
          ],
        })
      ).id,
    );
    assert.equal(task.status, 'done');
    assert.equal(task.processed_count, 8);
    const byId = Object.fromEntries(
      task.failed_items.map((f: { object_id: string; failure_stage: string; detail: string }) => [f.object_id, f]),
    );
    assert.deepEqual(Object.keys(byId).sort(), ['', 'bad-number', 'no-payload', 'no-text', 'nul', 'short-vector']);
    assert.equal(byId['no-text'].failure_stage, 'on_validation');
    assert.match(byId['short-vector'].detail, /384 numbers, got 3/);
    assert.match(byId['bad-number'].detail, /vector\[383\] is not a finite number/);
    assert.equal(byId.nul.failure_stage, 'on_upsert');
    assert.match(byId.nul.detail, /NUL/);
    assert.deepEqual(byId['no-text'].payload, { n: 1, flag: true }, 'the failed item comes back with its payload');
    assert.deepEqual(
      (await stack.store.get(items, ['good-1', 'good-2', 'nul'])).map((p) => p.id),
      ['good-1', 'good-2'],
    );
  });

  it('splits long text into chunks and replaces every chunk on re-upsert', async () => {
    const long = 'The quick brown fox jumps over the lazy dog. '.repeat(6);
    const upsert = async (text: string) =>
      waitForTask(
        stack,
        UPSERTS,
        (await run(`${UPSERTS}/run`, { items: [{ object_id: 'doc', payload: { body: text } }] })).id,
      );
    const ids = async () =>
      (await stack.store.get(items, ['doc', ...Array.from({ length: 12 }, (_, i) => `doc#${i}`)])).map((p) => p.id);
    await upsert(long);
    const chunked = await ids();
    assert.ok(chunked.length >= 4 && !chunked.includes('doc'), `chunks: ${chunked}`);
    const [c0] = await stack.store.get(items, ['doc#0']);
    assert.equal(c0.payload.object_id, 'doc');
    await upsert('short now');
    assert.deepEqual(await ids(), ['doc'], 'one chunk: the object id itself, no stale chunks');
    await upsert(long.slice(0, 100));
    assert.deepEqual(await ids(), ['doc#0', 'doc#1'], 'fewer chunks than before: the rest are gone');
    const del = await waitForTask(stack, DELETES, (await run(`${DELETES}/run`, { object_ids: ['doc'] })).id);
    assert.equal(del.status, 'done');
    assert.deepEqual(await ids(), [], 'deleting the object removes all its chunks');
  });

  it('keeps categories apart from items', async () => {
    await waitForTask(
      stack,
      UPSERTS,
      (
        await run(`${UPSERTS}/categories/run`, {
          items: [
            { object_id: 'cat-1', payload: { name: 'Furniture' } },
            { object_id: 'shared', payload: { name: 'in categories' } },
          ],
        })
      ).id,
    );
    await waitForTask(
      stack,
      UPSERTS,
      (await run(`${UPSERTS}/run`, { items: [{ object_id: 'shared', payload: { name: 'in items' } }] })).id,
    );
    assert.deepEqual(
      (await stack.store.get(categories, ['cat-1', 'shared'])).map((p) => p.payload.name),
      ['Furniture', 'in categories'],
    );
    assert.deepEqual(
      (await stack.store.get(items, ['cat-1', 'shared'])).map((p) => p.payload.name),
      ['in items'],
    );
    const del = await waitForTask(
      stack,
      DELETES,
      (await run(`${DELETES}/categories/run`, { object_ids: ['shared'] })).id,
    );
    assert.equal(del.collection, 'categories');
    assert.deepEqual(await stack.store.get(categories, ['shared']), []);
    assert.equal((await stack.store.get(items, ['shared'])).length, 1, 'the items copy is untouched');
  });

  it('deletes: missing ids are not failures', async () => {
    await waitForTask(
      stack,
      UPSERTS,
      (
        await run(`${UPSERTS}/run`, {
          items: [
            { object_id: 'gone-1', payload: { t: 'a' } },
            { object_id: 'gone-2', payload: { t: 'b' } },
          ],
        })
      ).id,
    );
    const started = await run(`${DELETES}/run`, {
      task_id: 'product_delete_20250422',
      object_ids: ['gone-1', 'gone-2', 'never-existed'],
    });
    assert.deepEqual(started.object_ids, ['gone-1', 'gone-2', 'never-existed']);
    const task = await waitForTask(stack, DELETES, started.id);
    assert.deepEqual([task.status, task.failed_item_ids, task.processed_count], ['done', [], 3]);
    // The staged batches are gone once the task ended; its status still names its ids.
    assert.deepEqual(task.object_ids, ['gone-1', 'gone-2', 'never-existed']);
    assert.deepEqual(await stack.store.get(items, ['gone-1', 'gone-2']), []);
  });

  it('rejects malformed requests and unknown collections with JSON 4xx', async () => {
    assert.equal((await stack.api(`/api/v1${UPSERTS}/run`, { body: { items: [] } })).status, 400);
    assert.equal((await stack.api(`/api/v1${UPSERTS}/run`, { body: { items: 'x' } })).status, 400);
    assert.equal((await stack.api(`/api/v1${DELETES}/run`, { body: {} })).status, 400);
    const missing = await stack.api(`/api/v1${UPSERTS}/run`, {
      body: { collection: 'nope', items: [{ object_id: 'a', payload: {} }] },
    });
    assert.equal(missing.status, 404);
    assert.equal((await stack.api(`/api/v1${UPSERTS}/does-not-exist`)).status, 404);
    assert.equal(
      (await stack.api(`/api/v1${DELETES}/product_upsert_20250422`)).status,
      404,
      'an upsertion task is not a deletion task',
    );
  });

  it('labels tasks with search attributes and lists them by status', async () => {
    const list = await stack.api(`/api/v1${UPSERTS}?status=done&limit=100`);
    assert.equal(list.status, 200);
    assert.ok(list.body.tasks.some((t: { id: string }) => t.id === 'product_upsert_20250422'));
    assert.ok(list.body.tasks.every((t: { status: string }) => t.status === 'done'));
    const cats: string[] = [];
    for await (const wf of stack.client.workflow.list({
      query: `VecflowKind = 'upsertion' AND VecflowCollection = 'categories' AND VecflowStatus = 'done' AND TaskQueue = '${stack.taskQueue}'`,
    }))
      cats.push(wf.workflowId);
    assert.equal(cats.length, 1);
    assert.equal((await stack.api(`/api/v1${UPSERTS}?status=bogus`)).status, 400);
  });
});
