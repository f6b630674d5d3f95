import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { tableNameFor } from '../../stores/postgres/catalog.js';
import { startStack, type TestStack } from '../helpers/stack.js';
import { DELETES, UPSERTS, waitForTask } from '../helpers/tasks.js';

// A store that keeps failing a batch: after its retries run out, every item of the batch is
// listed with the store's error, and the task still finishes (the rest of the work is done).
describe('tasks when the store keeps refusing a batch', () => {
  let stack: TestStack;
  const table = tableNameFor({ collection: 'items', model: 'hash-384' });
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_TASK_MAX_ATTEMPTS: '2' });
    // A real Postgres error for chosen ids, raised by the server itself.
    await stack.sql(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (TG_OP = 'DELETE' AND OLD.id LIKE 'poison%') OR (TG_OP <> 'DELETE' AND NEW.id LIKE 'poison%') THEN
          RAISE EXCEPTION 'store refuses %', COALESCE(NEW.id, OLD.id);
        END IF;
        RETURN COALESCE(NEW, OLD);
      END $$`);
  });
  afterAll(async () => stack.stop());

  it('deletion: lists each affected id with the store error', async () => {
    const up = await stack.api(`/api/v1${UPSERTS}/run`, {
      body: {
        items: [
          { object_id: 'ok-1', payload: { t: 'one' } },
          { object_id: 'poison-del', payload: { t: 'two' } },
        ],
      },
    });
    assert.equal((await waitForTask(stack, UPSERTS, up.body.id)).status, 'done');
    await stack.sql(
      `CREATE TRIGGER refuse_delete BEFORE DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
    const del = await stack.api(`/api/v1${DELETES}/run`, { body: { object_ids: ['ok-1', 'poison-del'] } });
    const task = await waitForTask(stack, DELETES, del.body.id);
    assert.equal(task.status, 'done');
    assert.deepEqual(
      task.failed_item_ids.sort(),
      ['ok-1', 'poison-del'],
      'the whole batch was refused in one statement',
    );
    for (const f of task.failed_items) assert.match(f.detail, /batch failed after retries: .*store refuses poison-del/);
    await stack.sql(`DROP TRIGGER refuse_delete ON ${table}`);
  });

  it('upsertion: lists each item of the refused batch as failed on_upsert', async () => {
    await stack.sql(
      `CREATE TRIGGER refuse_insert BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
    const items = [
      ...Array.from({ length: 100 }, (_, i) => ({ object_id: `fine-${i}`, payload: { t: `fine ${i}` } })),
      { object_id: 'poison-up', payload: { t: 'bad' } },
    ];
    const up = await stack.api(`/api/v1${UPSERTS}/run`, { body: { items } });
    const task = await waitForTask(stack, UPSERTS, up.body.id);
    assert.equal(task.status, 'done');
    assert.deepEqual(
      task.failed_items.map((f: { object_id: string }) => f.object_id),
      ['poison-up'],
      'only the second batch (of 100) failed',
    );
    assert.equal(task.failed_items[0].failure_stage, 'on_upsert');
    assert.match(task.failed_items[0].detail, /store refuses poison-up/);
    assert.equal((await stack.store.get({ collection: 'items', model: 'hash-384' }, ['fine-0', 'fine-99'])).length, 2);
    await stack.sql(`DROP TRIGGER refuse_insert ON ${table}`);
  });
});
