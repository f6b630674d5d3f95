import { runCli } from '../helpers/cli.js';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { allIds, openWorkflows, REINDEX, startReindex } from '../helpers/reindex.js';
import { seedTextItems } from '../helpers/seed.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { DELETES, UPSERTS, waitForTask } from '../helpers/tasks.js';
import type { Json } from '../helpers/json.js';

// Reindex on a real Temporal dev server and the embedded store.
const src = { collection: 'items', model: 'hash-384' };
const dst = { collection: 'items', model: 'hash-256' };

describe('reindex between embedding models', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-reindex-'));
    const config = path.join(dir, 'vecflow.config.json');
    // hash-256b embeds exactly like hash-256: a reindex between them copies vectors.
    writeFileSync(config, JSON.stringify({ models: [{ id: 'hash-256b', kind: 'hashing', dimension: 256 }] }));
    stack = await startStack({ VECFLOW_CONFIG: config });
    await seedTextItems(stack.store, src, 10_000);
  });
  afterAll(async () => stack.stop());

  it('reindexes 10,000 items over 4+ shards while a writer upserts and deletes, ending exactly in sync', async () => {
    let writing = true;
    let round = 0;
    const writer = (async () => {
      // Updates, new ids and deletes, through the task API (the same write path as everything).
      while (writing) {
        round++;
        const items = Array.from({ length: 40 }, (_, k) => {
          const n = (round * 97 + k * 31) % 10_000;
          return k % 4 === 0
            ? { object_id: `new-${round}-${k}`, payload: { title: `brand new ${round} ${k}` } }
            : { object_id: `item-${n}`, payload: { title: `item-${n} rewritten in round ${round}`, round } };
        });
        const up = await stack.api(`/api/v1${UPSERTS}/run`, { body: { items } });
        await waitForTask(stack, UPSERTS, up.body.id);
        const del = await stack.api(`/api/v1${DELETES}/run`, {
          body: { object_ids: [`item-${(round * 53) % 10_000}`, `new-${round - 1}-0`] },
        });
        await waitForTask(stack, DELETES, del.body.id);
      }
    })();
    const task = await startReindex(stack, {
      task_id: 'reindex-10k',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      max_parallel: 4,
    });
    let sawProgress = false;
    let final: Json;
    for (;;) {
      final = (await stack.api(`/api/v1${REINDEX}/reindex-10k`)).body;
      if (final.progress > 0 && final.progress < 100) sawProgress = true;
      if (['done', 'failed', 'canceled'].includes(final.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    writing = false;
    await writer;
    assert.equal(task.id, 'reindex-10k');
    assert.equal(final.status, 'done', JSON.stringify(final).slice(0, 500));
    assert.ok(final.children.length >= 4, `children: ${final.children}`);
    assert.ok(final.total >= 10_000);
    assert.equal(final.count, final.total);
    assert.equal(final.progress, 100);
    assert.deepEqual(final.failed_items, []);
    assert.ok(sawProgress || round < 3, 'progress between 0 and 100 was visible');
    assert.ok(round >= 2, `the writer ran during the reindex (${round} rounds)`);

    const [srcIds, dstIds] = [await allIds(stack, src), await allIds(stack, dst)];
    assert.deepEqual(dstIds, srcIds, 'destination ids equal source ids');
    for (let i = 0; i < srcIds.length; i += 500) {
      const ids = srcIds.slice(i, i + 500);
      const [a, b] = [await stack.store.get(src, ids), await stack.store.get(dst, ids)];
      for (const [k, p] of a.entries()) {
        assert.deepEqual(b[k].payload, p.payload, `newest payload of ${p.id}`);
        assert.equal(b[k].timestamp, p.timestamp);
        assert.equal(b[k].vector.length, 256);
      }
    }
    assert.equal(await stack.store.getBlue('items'), 'hash-384', 'without deploy_as_blue blue stays');
    const [entry] = await stack.store.catalog('items');
    assert.equal(
      entry.models.find((m) => m.model === 'hash-256')?.writeTarget,
      true,
      'the new index keeps receiving writes until switched',
    );
  });

  it('searches blue or a given model, to compare before switching', async () => {
    const blue = await stack.api('/api/v1/collections/items/search', {
      body: { text: 'item-42 about topic 42', k: 3 },
    });
    assert.equal(blue.status, 200);
    assert.equal(blue.body.embedding_model_id, 'hash-384');
    const candidate = await stack.api('/api/v1/collections/items/search', {
      body: { text: 'item-42 about topic 42', k: 3, embedding_model_id: 'hash-256', filter: { n: { $lt: 100 } } },
    });
    assert.equal(candidate.body.results[0].id, 'item-42');
    assert.ok(candidate.body.results.every((r: { payload: { n: number } }) => r.payload.n < 100));
    assert.equal((await stack.api('/api/v1/collections/items/search', { body: { k: 3 } })).status, 400);
    assert.equal(
      (await stack.api('/api/v1/collections/items/search', { body: { text: 'x', embedding_model_id: 'nope' } })).status,
      404,
    );
  });

  it('refuses a second reindex of the collection at once, or waits for it and starts when the lock is handed over', async () => {
    const a = await startReindex(stack, {
      task_id: 'lock-a',
      source: { embedding_model_id: 'hash-256' },
      dest: { embedding_model_id: 'hash-256b' },
      page_size: 50,
      max_parallel: 1,
    });
    const refused = await startReindex(stack, {
      task_id: 'lock-b',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
    });
    const b = await waitForTask(stack, REINDEX, refused.id, ['refused', 'done', 'failed']);
    assert.equal(b.status, 'refused', 'the other direction and another model are refused too');
    const waiting = await startReindex(stack, {
      task_id: 'lock-c',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
      wait_on_conflict: true,
    });
    assert.equal(waiting.status, 'pending');
    const aDone = await waitForTask(stack, REINDEX, a.id);
    assert.equal(aDone.status, 'done');
    assert.equal(aDone.mode, 'copy', 'same embedding under another id: vectors copied');
    const cWhenADone = (await stack.api(`/api/v1${REINDEX}/lock-c`)).body;
    assert.ok(['pending', 'processing', 'done'].includes(cWhenADone.status));
    const c = await waitForTask(stack, REINDEX, 'lock-c');
    assert.equal(c.status, 'done');
    assert.ok(Date.parse(c.updated_at) - Date.parse(aDone.updated_at) < 60_000);
    const list = (await stack.api(`/api/v1${REINDEX}?status=refused`)).body.tasks.map((t: { id: string }) => t.id);
    assert.deepEqual(list, ['lock-b']);
  });

  it('releases the lock of a reindex that was terminated', async () => {
    await startReindex(stack, {
      task_id: 'term-a',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
      page_size: 20,
      max_parallel: 1,
    });
    await waitForTask(stack, REINDEX, 'term-a', ['processing']);
    await stack.client.workflow.getHandle('term-a').terminate('test: a worker pool wiped out');
    const next = await startReindex(stack, {
      task_id: 'term-b',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
      wait_on_conflict: true,
    });
    const done = await waitForTask(stack, REINDEX, next.id);
    assert.equal(done.status, 'done', 'the lock held by the terminated reindex was released');
    assert.equal((await stack.api(`/api/v1${REINDEX}/term-a`)).body.status, 'failed');
  });

  it('cancels: children canceled, destination unregistered, blue untouched', async () => {
    await startReindex(stack, {
      task_id: 'cancel-me',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      deploy_as_blue: true,
      page_size: 20,
      max_parallel: 2,
    });
    const running = await waitForTask(stack, REINDEX, 'cancel-me', ['processing']);
    for (let i = 0; i < 100 && (await stack.api(`/api/v1${REINDEX}/cancel-me`)).body.children.length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(running.status, 'processing');
    assert.equal((await stack.api(`/api/v1${REINDEX}/cancel-me/cancel`, { body: {} })).status, 200);
    const t = await waitForTask(stack, REINDEX, 'cancel-me');
    assert.equal(t.status, 'canceled');
    for (const child of t.children.slice(0, 2)) {
      const d = await stack.client.workflow.getHandle(child).describe();
      assert.notEqual(d.status.name, 'RUNNING', `${child} stopped`);
    }
    assert.equal(await stack.store.getBlue('items'), 'hash-384');
    const [entry] = await stack.store.catalog('items');
    assert.equal(entry.models.find((m) => m.model === 'hash-256')?.writeTarget, false);
  });

  it('switches blue only on success: a failed quality gate or too many failures leave blue alone', async () => {
    const coll = 'gated';
    await stack.store.ensureCollection({ collection: coll, model: 'hash-384', dimension: 384, distance: 'cosine' });
    await stack.store.setBlue({ collection: coll, model: 'hash-384' });
    const same = Array.from({ length: 300 }, (_, i) => ({
      object_id: `g-${i}`,
      payload: { title: 'exactly the same text' },
    }));
    await waitForTask(
      stack,
      UPSERTS,
      (await stack.api(`/api/v1${UPSERTS}/run`, { body: { collection: coll, items: same } })).body.id,
    );
    const gate = await startReindex(stack, {
      collection: coll,
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      deploy_as_blue: true,
      quality_gate: { sample_size: 20, k: 1, min_pass_ratio: 0.9 },
    });
    const g = await waitForTask(stack, REINDEX, gate.id);
    assert.equal(g.status, 'failed');
    assert.match(g.detail, /quality gate failed/);
    assert.equal(await stack.store.getBlue(coll), 'hash-384');

    // Points without text cannot be re-embedded: the reindex counts them first and refuses,
    // naming the count and the option that accepts leaving them out — nothing is created.
    await stack.store.upsert(
      { collection: coll, model: 'hash-384' },
      Array.from({ length: 30 }, (_, i) => ({
        id: `notext-${i}`,
        vector: new Float32Array(384).fill(0.1),
        payload: {},
        timestamp: 1n,
      })),
    );
    const many = await startReindex(stack, {
      collection: coll,
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
      deploy_as_blue: true,
    });
    const m = await waitForTask(stack, REINDEX, many.id);
    assert.equal(m.status, 'failed');
    assert.match(
      m.detail,
      /^30 item\(s\) of gated cannot be re-embedded with hash-256b: no text .*skip_unembeddable: true \(CLI --skip-unembeddable\)/,
    );
    assert.equal(m.failed_count, 0);
    assert.equal(await stack.store.getBlue(coll), 'hash-384');
    const [entry] = await stack.store.catalog(coll);
    assert.equal(
      entry.models.find((x) => x.model === 'hash-256b'),
      undefined,
      'refused before anything was created',
    );

    // Accepted: the others are reindexed, the 30 listed as skipped, not failed.
    const ok = await startReindex(stack, {
      collection: coll,
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256b' },
      deploy_as_blue: true,
      skip_unembeddable: true,
      failure_threshold: { count: 0 },
      quality_gate: { sample_size: 10, k: 400, min_pass_ratio: 0.5 },
    });
    const o = await waitForTask(stack, REINDEX, ok.id);
    assert.deepEqual([o.status, o.switched, o.failed_count, o.skipped_count], ['done', true, 0, 30]);
    assert.match(o.skipped_items[0].object_id, /^notext-/);
    assert.match(o.skipped_items[0].detail, /no text/);
    assert.equal(await stack.store.count({ collection: coll, model: 'hash-256b' }), 300);
    assert.equal(await stack.store.getBlue(coll), 'hash-256b');
  });

  it('runs from the CLI with a progress bar, and exits non-zero on failure', async () => {
    await seedTextItems(stack.store, { collection: 'categories', model: 'hash-384' }, 300, 'cat');
    // A CLI that fails or hangs (killed by runCli) shows what it printed and what Temporal still runs.
    const cli = async (args: string[]) => {
      const r = await runCli(stack.workerEnv, ['reindex', ...args]);
      if (r.code !== 0 && r.code !== 2) r.stderr += `\n[open workflows]\n${await openWorkflows(stack)}`;
      return r;
    };
    const ok = await cli([
      '--source',
      'hash-384',
      '--dest',
      'hash-256',
      '--collection',
      'categories',
      '--deploy-as-blue',
      '--json',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const final = JSON.parse(ok.stdout);
    assert.deepEqual([final.status, final.count, final.switched], ['done', 300, true]);
    assert.equal(await stack.store.getBlue('categories'), 'hash-256');
    const bar = await cli(['--source', 'hash-256', '--dest', 'hash-256b', '--collection', 'categories']);
    assert.equal(bar.code, 0, bar.stderr);
    assert.match(bar.stderr, /done/);
    // The API's own checks, before anything starts: no workflow is left behind.
    const bad = await cli([
      '--source',
      'nope',
      '--dest',
      'hash-256',
      '--collection',
      'categories',
      '--task-id',
      'cli-bad',
      '--json',
    ]);
    assert.equal(bad.code, 2, 'refused by the API before anything started: a usage error');
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^vecflow: collection categories has no model nope/m, bad.stderr);
    await assert.rejects(stack.client.workflow.getHandle('cli-bad').describe(), /not found/i);
  });

  it('switches blue by hand and lists every blue', async () => {
    assert.equal(
      (
        await stack.api('/api/v1/internal/collections/blue', {
          body: { embedding_model_id: 'never-made', collection: 'items' },
        })
      ).status,
      404,
    );
    const res = await stack.api('/api/v1/internal/collections/blue', { body: { embedding_model_id: 'hash-256' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.blue, 'hash-256');
    const all = (await stack.api('/api/v1/internal/collections/blue')).body.collections;
    assert.deepEqual(
      all.find((c: { collection: string }) => c.collection === 'items'),
      { collection: 'items', embedding_model_id: 'hash-256' },
    );
    await stack.api('/api/v1/internal/collections/blue', { body: { embedding_model_id: 'hash-384' } });
  });
});
