import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { BackupBody, RestoreBody, ScheduleBody } from '../../api/backups/schemas.js';
import { ProvisionBody } from '../../api/collections/service.js';
import { importFields } from '../../api/datasets/schemas.js';
import { ReindexBody } from '../../api/reindex/schemas.js';
import { ListQuery, UpsertionBody } from '../../api/tasks/schemas.js';
import { parse } from '../../api/validate.js';
import { assertKey } from '../../blobs/keys.js';
import { ValidationError } from '../../core/errors.js';
import { assertName } from '../../core/names.js';

// Request validation: a client mistake is a ValidationError (400) naming every bad field.
const fields = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return (err.details as { field: string }[]).map((e) => e.field);
  }
  assert.fail('accepted');
};

describe('request validation', () => {
  it('names every bad field of a body, with its place in the request', () => {
    assert.deepEqual(
      fields(() => parse(ReindexBody, { source: {}, dest: { embedding_model_id: '' }, shards: 0 }, 'body')),
      ['body.source.embedding_model_id', 'body.dest.embedding_model_id', 'body.shards'],
    );
    assert.deepEqual(
      fields(() => parse(UpsertionBody, { items: [] }, 'body')),
      ['body.items'],
    );
    assert.deepEqual(
      fields(() => parse(ListQuery, { limit: '0', offset: '-1' }, 'query')),
      ['query.limit', 'query.offset'],
    );
    assert.deepEqual(
      fields(() => parse(ProvisionBody, { collection: 'x' }, 'body')),
      ['body.embedding_model_id'],
    );
  });

  it('applies defaults and coerces query strings and multipart fields', () => {
    const body = parse(ReindexBody, { source: { embedding_model_id: 'a' }, dest: { embedding_model_id: 'b' } }, 'body');
    assert.equal(body.collection, 'items');
    assert.equal(body.deploy_as_blue, false);
    assert.deepEqual(parse(ListQuery, { limit: '20' }, 'query'), { limit: 20, offset: 0 });
    assert.deepEqual(parse(importFields(1000), { batch_size: '250', skip_existing: 'yes', format: '' }, 'body'), {
      format: undefined,
      batch_size: 250,
      skip_existing: true,
    });
    assert.deepEqual(
      fields(() => parse(importFields(1000), { batch_size: '5000' }, 'body')),
      ['body.batch_size'],
    );
  });

  it('checks the cross-field rules of backup, restore and schedule bodies', () => {
    assert.ok(fields(() => parse(BackupBody, {}, 'body')).length > 0, 'a backup needs output_dir or s3');
    assert.ok(fields(() => parse(RestoreBody, { input_dir: 'a', s3: { bucket: 'bkt' } }, 'body')).length > 0);
    assert.equal(parse(RestoreBody, { input_dir: 'a' }, 'body').dry_run, false);
    assert.deepEqual(
      fields(() => parse(ScheduleBody, { interval: 'often', output_dir: 'x' }, 'body')),
      ['body.interval'],
    );
  });

  it('keeps names and blob keys to a safe alphabet', () => {
    for (const ok of ['items', 'a.b-c_1', 'X'.repeat(63)]) assert.equal(assertName('collection', ok), ok);
    for (const bad of ['', '-x', 'a/b', 'a__b', 'x'.repeat(64), 'é', 42])
      assert.throws(() => assertName('collection', bad), ValidationError, String(bad));
    for (const ok of ['a', 'a/b.parquet', 'dir/sub/file']) assert.equal(assertKey(ok), ok);
    for (const bad of ['', '/abs', 'a/../b', './a', 'a\\b', 'a\0b', 'a//b'])
      assert.throws(() => assertKey(bad), ValidationError, JSON.stringify(bad));
  });
});
