import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { ensureCleanupSchedule } from '../../worker/schedules.js';
import { cleanupScheduleId } from '../../workflows/ids.js';
import { exportAndDownload, importAndWait, startImport, waitForDatasetJob } from '../helpers/datasets.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { waitUntil } from '../helpers/processes.js';
import type { Json } from '../helpers/json.js';

// Bad rows, the dead-letter file and retry-failed, unreadable files, the upload limit, cleanup
// of finished jobs and its schedule, and the metrics the jobs leave behind.
const v = (n: number, x = 0.5) => Array.from({ length: n }, (_, i) => x + i);
const BAD_JSONL = [
  JSON.stringify({ id: 'ok1', values: v(4) }),
  '{"id": "broken", "values": [1, 2',
  JSON.stringify({ id: 'short', values: v(3) }),
  JSON.stringify({ values: v(4) }),
  '',
  JSON.stringify({ id: 'novalues' }),
  '{"id": "inf", "values": [1, 2, 3, 1e999]}',
  JSON.stringify({ id: '', values: v(4) }),
  JSON.stringify({ id: 'ok1', values: v(4, 9) }),
  JSON.stringify({ id: 'meta', values: v(4), metadata: '{"a": ' }),
  JSON.stringify({ id: 'ok2', values: v(4), metadata: { category: 'x' } }),
].join('\n');

describe('import errors, dead letters, cleanup and metrics', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_IMPORT_MAX_ERRORS: '5', VECFLOW_UPLOAD_LIMIT: '20kb' });
  });
  afterAll(async () => stack.stop());
  const jobs: string[] = [];

  it("reports every bad row with the seed's error classes; the good rows are imported", async () => {
    const job = await importAndWait(stack, 'errs', { name: 'bad.jsonl', content: BAD_JSONL }, { batch_size: '2' });
    jobs.push(job.job_id);
    assert.deepEqual(
      [job.status, job.total_rows, job.processed_rows, job.successful_rows, job.failed_rows],
      ['completed_with_errors', 10, 10, 2, 8],
    );
    assert.equal(job.errors.length, 5, 'the list is capped (VECFLOW_IMPORT_MAX_ERRORS); failed_rows keeps the total');
    assert.deepEqual(job.errors[0], { line: 2, error: job.errors[0].error, data: '{"id": "broken", "values": [1, 2' });
    assert.match(job.errors[0].error, /^Invalid JSON: /);
    assert.deepEqual(job.errors[1], {
      line: 3,
      error: 'Vector dimension mismatch: expected 4, got 3',
      data: { id: 'short', values: v(3) },
    });
    assert.deepEqual(
      job.errors.slice(2).map((e: Json) => [e.line, e.error]),
      [
        [4, 'Missing required field: id'],
        [6, 'Missing required field: values'],
        [7, 'values[3] is not a finite number'],
      ],
    );
    const dead = await fetch(`${stack.apiUrl}${job.dead_letter_url}`);
    assert.equal(dead.headers.get('content-type')?.split(';')[0], 'application/x-ndjson');
    const lines = (await dead.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.line),
      [2, 3, 4, 6, 7, 8, 9, 10],
      'every failed row is in the dead-letter file, in order',
    );
    assert.match(lines[5].error, /^Invalid id: |id/);
    assert.equal(lines[6].error, 'Duplicate id "ok1" in the file (first at line 1)');
    assert.match(lines[7].error, /^Invalid JSON in metadata: /);
    assert.deepEqual(lines[6].data.values, v(4, 9), 'the dead letter keeps whole rows');
  });

  it('retry-failed imports the dead-letter rows again as a new job, under their original line numbers', async () => {
    const retried = await stack.api(`/api/v1/import/${jobs[0]}/retry-failed`, { body: {} });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const job = await waitForDatasetJob(stack, 'import', retried.body.job_id);
    jobs.push(job.job_id);
    assert.equal(job.retry_of, jobs[0]);
    // The duplicate (line 9) is alone in the dead letter now: it goes in, overwriting ok1.
    assert.deepEqual(
      [job.status, job.total_rows, job.successful_rows, job.failed_rows],
      ['completed_with_errors', 8, 1, 7],
    );
    assert.deepEqual(
      job.errors.map((e: Json) => e.line),
      [2, 3, 4, 6, 7],
    );
    const [p] = await stack.store.get({ collection: 'errs', model: 'external-4' }, ['ok1'], true);
    assert.deepEqual(Array.from(p.vector), v(4, 9));
    const none = await importAndWait(stack, 'errs', {
      name: 'fine.jsonl',
      content: JSON.stringify({ id: 'ok3', values: v(4) }),
    });
    jobs.push(none.job_id);
    assert.equal(none.dead_letter_url, null);
    assert.equal((await stack.api(`/api/v1/import/${none.job_id}/retry-failed`, { body: {} })).status, 404);
  });

  it('CSV and JSON errors name the row; a file that cannot be read fails the job with the reason', async () => {
    const csv = await importAndWait(stack, 'errs', {
      name: 'x.csv',
      content: 'id,values\nc1,"[1,2,3,4]"\nc2,"[1,2,3,4,5]"\nc3,"[1,2,3,4]",extra\n',
    });
    jobs.push(csv.job_id);
    assert.deepEqual(
      csv.errors.map((e: Json) => [e.row, e.error]),
      [
        [2, 'Vector dimension mismatch: expected 4, got 5'],
        [3, 'Expected 2 columns (id,values), found 3'],
      ],
    );
    assert.deepEqual(
      csv.errors[0].data,
      { id: 'c2', values: '[1,2,3,4,5]' },
      'the cell as the streaming reader read it',
    );
    // A well-formed CSV is planned by DuckDB, which parses its vectors: a row's report still shows a JSON array.
    const parsed = await importAndWait(stack, 'errs', {
      name: 'w.csv',
      content: 'id,values\nw1,"[1,2,3,4]"\nw2,"[1,2,3,4,5]"\n',
    });
    jobs.push(parsed.job_id);
    assert.deepEqual(
      parsed.errors.map((e: Json) => [e.row, e.error, e.data]),
      [[2, 'Vector dimension mismatch: expected 4, got 5', { id: 'w2', values: [1, 2, 3, 4, 5] }]],
    );
    const json = await importAndWait(stack, 'errs', {
      name: 'x.json',
      content: JSON.stringify([
        { id: 'j1', values: v(4) },
        { id: 'j2', values: 'nope' },
      ]),
    });
    jobs.push(json.job_id);
    assert.deepEqual(
      json.errors.map((e: Json) => [e.row, e.error]),
      [[2, 'Invalid JSON in values: ' + json.errors[0].error.slice('Invalid JSON in values: '.length)]],
    );
    const broken = await importAndWait(stack, 'errs', { name: 'x.parquet', content: 'PAR1 but not really' });
    jobs.push(broken.job_id);
    assert.equal(broken.status, 'failed');
    assert.match(broken.error, /cannot be read as parquet/);
    const allBad = await importAndWait(stack, 'errs', { name: 'y.jsonl', content: '{"id": "a"}\n{"id": "b"}' });
    jobs.push(allBad.job_id);
    assert.deepEqual([allBad.status, allBad.failed_rows], ['failed', 2]);
  });

  it('an upload over the limit is refused with 413 and leaves no file', async () => {
    const before = readdirSync(path.join(stack.config.dataDir, 'jobs', 'import')).length;
    const res = await startImport(stack, 'errs', { name: 'big.jsonl', content: Buffer.alloc(40 * 1024, 'x') });
    assert.equal(res.status, 413);
    assert.equal(res.body.code, 'payload_too_large');
    assert.equal(readdirSync(path.join(stack.config.dataDir, 'jobs', 'import')).length, before);
  });

  it('an upload cut short (no closing boundary) is a 400 that leaves no file and no unhandled rejection', async () => {
    const before = readdirSync(path.join(stack.config.dataDir, 'jobs', 'import')).length;
    const body =
      '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{"id":"a","values":[1,2]}\n';
    const res = await fetch(`${stack.apiUrl}/api/v1/datasets/errs/import`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
      body,
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as Json).detail, /invalid multipart request: Unexpected end of form/);
    await new Promise((r) => setTimeout(r, 200)); // a stray rejection would surface (and fail the run) by now
    assert.equal((await stack.api('/health')).status, 200);
    assert.equal(readdirSync(path.join(stack.config.dataDir, 'jobs', 'import')).length, before);
  });

  it('exposes job counters, durations, rows and bytes on /metrics/prometheus and a summary on /stats', async () => {
    const exp = await exportAndDownload(stack, 'errs', { format: 'csv' });
    jobs.push(exp.job.job_id);
    // A job's state says completed before its workflow has recorded its metrics and ended (when
    // it is counted as finished): wait for that end, then read everything from the same scrape.
    let res: Response | undefined;
    let text = '';
    const value = (re: RegExp) => Number(text.match(re)?.[1] ?? 'NaN');
    await waitUntil(
      async () => {
        res = await fetch(`${stack.apiUrl}/api/v1/metrics/prometheus`);
        text = await res.text();
        return value(/vecflow_jobs_finished_total\{kind="export",outcome="done"\} (\d+)/) >= 1;
      },
      60_000,
      'the export workflow to end and be counted',
    );
    assert.match(res?.headers.get('content-type') ?? '', /text\/plain/);
    assert.equal(value(/vecflow_rows_total\{kind="import",format="jsonl",result="failed"\} (\d+)/), 8 + 2);
    assert.equal(value(/vecflow_rows_total\{kind="import",format="jsonl",result="successful"\} (\d+)/), 2 + 1);
    assert.equal(value(/vecflow_rows_total\{kind="import",format="dead-letter",result="failed"\} (\d+)/), 7);
    assert.equal(value(/vecflow_rows_total\{kind="import",format="csv",result="successful"\} (\d+)/), 1 + 1);
    assert.equal(
      value(/vecflow_rows_total\{kind="export",format="csv",result="exported"\} (\d+)/),
      exp.job.exported_vectors,
    );
    assert.equal(value(/vecflow_job_bytes_total\{kind="export",format="csv"\} (\d+)/), exp.job.file_size);
    assert.equal(value(/vecflow_jobs_total\{kind="import",format="parquet",status="failed"\} (\d+)/), 1);
    assert.equal(value(/vecflow_jobs_total\{kind="import",format="jsonl",status="completed_with_errors"\} (\d+)/), 1);
    assert.match(text, /vecflow_job_duration_seconds_count\{kind="import",format="jsonl"\} \d+/);
    // Every kind, counted as its workflow ends (workflows/interceptors.ts).
    assert.ok(value(/vecflow_jobs_finished_total\{kind="import",outcome="failed"\} (\d+)/) >= 1, text);
    assert.ok(value(/vecflow_jobs_finished_total\{kind="import",outcome="done"\} (\d+)/) >= 1);
    assert.ok(value(/vecflow_jobs_finished_total\{kind="export",outcome="done"\} (\d+)/) >= 1);
    assert.match(text, /vecflow_job_records\{kind="import",status="completed_with_errors"\} [1-9]/);
    assert.match(
      text,
      /vecflow_http_requests_total\{method="POST",route="\/api\/v1\/datasets\/\{dataset_id\}\/import",status="413"\} 1/,
    );
    const stats = await stack.api('/api/v1/stats');
    assert.equal(stats.status, 200);
    assert.deepEqual(stats.body.jobs.import, { running: 0, completed: 1, completed_with_errors: 5, failed: 2 });
    assert.equal(stats.body.jobs.export.completed, 1);
    assert.equal(stats.body.datasets.find((d: Json) => d.dataset_id === 'errs')?.vectors, 6);
  });

  it('cleanup removes finished jobs (records and files); the retention schedule runs it', async () => {
    const young = await stack.api('/api/v1/admin/cleanup-jobs', { body: { max_age_hours: 1 } });
    assert.deepEqual([young.status, young.body.removed_jobs], [200, 0], 'nothing is that old yet');
    const res = await stack.api('/api/v1/admin/cleanup-jobs', { body: { max_age_hours: 0 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.removed_jobs >= jobs.length, JSON.stringify(res.body));
    for (const id of jobs) {
      const kind = id === jobs.at(-1) ? 'export' : 'import';
      // Temporal deletes a closed execution asynchronously, shortly after the request.
      for (let i = 0; i < 600 && (await stack.api(`/api/v1/${kind}/${id}`)).status !== 404; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(
        (await stack.api(`/api/v1/${kind}/${id}`)).status,
        404,
        `${kind} ${id} (#${jobs.indexOf(id)}) is gone: ${JSON.stringify(res.body)}`,
      );
      assert.equal(existsSync(path.join(stack.config.dataDir, 'jobs', kind, id)), false);
    }
    assert.equal((await stack.api('/api/v1/admin/cleanup-jobs', { body: { max_age_hours: -1 } })).status, 400);

    await ensureCleanupSchedule(stack.client, stack.config, createLogger('test', 'warn'));
    const schedule = await stack.client.schedule.getHandle(cleanupScheduleId(stack.taskQueue)).describe();
    const action = schedule.action as { workflowType: string; args: unknown[] };
    assert.deepEqual([action.workflowType, action.args], ['cleanupJobsWorkflow', [{ max_age_hours: 24 }]]);
    assert.equal(schedule.spec.intervals?.[0]?.every, 3_600_000);
    await stack.client.schedule.getHandle(cleanupScheduleId(stack.taskQueue)).delete();
  });
});
