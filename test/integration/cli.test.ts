import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ensureBucket } from '../../devstack/seaweed.js';
import { ROOT } from '../../devstack/tools.js';
import { runCli } from '../helpers/cli.js';
import { startImport } from '../helpers/datasets.js';
import { waitUntil } from '../helpers/processes.js';
import { provided } from '../helpers/servers.js';
import { type TestStack, startStack } from '../helpers/stack.js';
import { spawnWorker, stopWorkerProcess } from '../helpers/worker-process.js';

// The `vecflow` CLI as a user meets it (issue #16), as a subprocess against a stack's API, run
// from a working directory that is a backup root. Jobs are started while no worker runs, so
// they wait: Ctrl-C then detaches (exit 130) or, with --cancel-on-interrupt, cancels (exit 3),
// and `vecflow cancel` works on every kind — deterministically, no race with a running job.
// The worker started afterwards has no S3 credentials: a backup to S3 fails at once (one
// attempt, non-retryable) naming the credential problem, and the CLI exits 1.
const BUCKET = 'vf-cli-test';

describe('the vecflow command line', () => {
  let stack: TestStack;
  let root: string;
  let worker: ReturnType<typeof spawnWorker> | undefined;
  const cli = (args: string[]) => runCli(stack.workerEnv, args, { cwd: root });

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vf-cli-root-'));
    const endpoint = (await provided('s3Endpoint'))!;
    await ensureBucket(endpoint, BUCKET);
    stack = await startStack({ VECFLOW_BACKUP_ROOT: root, S3_ENDPOINT: endpoint }, { inProcessWorker: false });
    await stack.store.ensureCollection({ collection: 'items', model: 'hash-384', dimension: 384, distance: 'cosine' });
    await stack.store.setBlue({ collection: 'items', model: 'hash-384' });
  });
  afterAll(async () => {
    if (worker) await stopWorkerProcess(worker.child);
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Runs the CLI, sending SIGINT once its stderr matches `ready`; its output and exit. */
  const interrupt = (args: string[], ready: RegExp) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'cli', 'vecflow.js'), ...args], {
      cwd: root,
      env: { ...process.env, ...stack.workerEnv },
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => {
      stderr += c;
      if (!sent && ready.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, stdout, stderr })),
    );
    return { stderr: () => stderr, exited };
  };

  const jobs: Record<string, string> = {};

  it('cancels a job of every kind (vecflow cancel), and Ctrl-C detaches from a followed job', async () => {
    const post = async (route: string, body: unknown) => {
      const r = await stack.api(route, { body });
      assert.ok([200, 202].includes(r.status), `${route}: ${JSON.stringify(r.body)}`);
      return String(r.body.id ?? r.body.task_id ?? r.body.job_id);
    };
    jobs.backup = await post('/api/v1/backups', { backup_id: 'cx-backup', output_dir: 'cx-backup' });
    jobs.restore = await post('/api/v1/restores', { restore_id: 'cx-restore', input_dir: 'cx-none' });
    jobs.verify = await post('/api/v1/backups/verify', {
      verify_id: 'cx-verify',
      input_dir: 'cx-none',
      wait_seconds: 0,
    });
    jobs.export = await post('/api/v1/datasets/items/export', { format: 'jsonl' });
    jobs.reindex = await post('/api/v1/internal/reindex-tasks/run', {
      task_id: 'cx-reindex',
      collection: 'items',
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
    });
    jobs.upsertion = await post('/api/v1/embeddings/upsertion-tasks/run', {
      task_id: 'cx-upsert',
      collection: 'items',
      items: [{ object_id: 'a', payload: { title: 'a' } }],
    });
    jobs.deletion = await post('/api/v1/embeddings/deletion-tasks/run', {
      task_id: 'cx-delete',
      collection: 'items',
      object_ids: ['a'],
    });
    const imported = await startImport(stack, 'cx-ds', { name: 'x.jsonl', content: '{"id":"x","values":[1,2]}\n' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    jobs.import = String(imported.body.job_id);

    await Promise.all(
      Object.entries(jobs).map(async ([kind, id]) => {
        const r = await cli(['cancel', id, '--json']);
        assert.equal(r.code, 0, `${kind}: ${r.stderr}`);
        assert.equal(JSON.parse(r.stdout).kind, kind);
      }),
    );

    // Ctrl-C on a followed job detaches: exit 130, how to follow or cancel it, the job goes on.
    const detached = await interrupt(['backup', '--output-dir', 'detached', '--id', 'cx-detached'], /started — Ctrl-C/)
      .exited;
    assert.equal(detached.code, 130, detached.stderr);
    assert.match(
      detached.stderr,
      /detached from cx-detached; it goes on\. Follow it: vecflow status cx-detached --follow — cancel it: vecflow cancel cx-detached/,
    );
    const st = await cli(['status', 'cx-detached', '--json']);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(JSON.parse(st.stdout).closed_at, null);
    jobs.detached = 'cx-detached';
    const cancel = await cli(['cancel', 'cx-detached']);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stderr, /backup cx-detached: cancel requested/);
  });

  it('with --cancel-on-interrupt, Ctrl-C cancels; a worker without S3 credentials fails an S3 backup at once, naming them', async () => {
    const canceling = interrupt(
      ['backup', '--output-dir', 'cx-coi', '--id', 'cx-coi', '--cancel-on-interrupt'],
      /started — Ctrl-C/,
    );
    // The worker comes only once the cancel was requested: everything started so far ends canceled.
    await waitUntil(async () => /canceling cx-coi/.test(canceling.stderr()), 30_000, 'the CLI asked to cancel cx-coi');
    worker = spawnWorker({
      ...stack.workerEnv,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'vecflow-no-such-profile',
      AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'no-credentials'),
      AWS_CONFIG_FILE: path.join(root, 'no-config'),
    });
    const coi = await canceling.exited;
    assert.equal(coi.code, 3, coi.stderr);
    await Promise.all(
      Object.entries(jobs).map(async ([kind, id]) => {
        const r = await cli(['status', id, '--follow', '--json']);
        assert.equal(r.code, 3, `${kind} ${id}: ${r.stderr}`);
        assert.equal(JSON.parse(r.stdout).status, 'canceled');
        assert.equal(JSON.parse(r.stdout).kind, kind === 'detached' ? 'backup' : kind);
      }),
    );
    // One creation time per job: the list (visibility), the job (its state) and the kind's own
    // route agree, to the millisecond.
    const listed = new Map<string, { created_at: string }>(
      (await stack.api('/api/v1/jobs?limit=500')).body.jobs.map((j: { id: string; created_at: string }) => [j.id, j]),
    );
    for (const [kind, id] of Object.entries(jobs)) {
      const job = (await stack.api(`/api/v1/jobs/${id}`)).body;
      assert.equal(listed.get(id)?.created_at, job.created_at, `${kind} ${id}: list vs get`);
      if (job.started_at !== undefined) assert.equal(job.started_at, job.created_at, `${kind}: started_at`);
    }
    const task = (await stack.api(`/api/v1/embeddings/upsertion-tasks/${jobs.upsertion}`)).body;
    assert.equal(task.created_at, listed.get(jobs.upsertion)?.created_at);

    const s3 = await cli(['backup', '--s3-bucket', BUCKET, '--s3-prefix', 'nightly', '--id', 'cx-s3']);
    assert.equal(s3.code, 1, s3.stderr);
    assert.match(
      s3.stderr,
      /backup cx-s3: failed — S3 credentials: .* — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    // At once: the upload was tried once, not retried behind a frozen progress bar.
    const history = await stack.client.workflow.getHandle('cx-s3').fetchHistory();
    const uploads = (history.events ?? []).filter(
      (e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1,
    );
    assert.equal(uploads.length, 0, 'no activity was retried');
  });

  it('upserts, searches, deletes and calls Vald from files, with --json output that parses', async () => {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      path.join(root, 'items.jsonl'),
      [
        '{"object_id":"doc-1","payload":{"title":"red apples"}}',
        '{"object_id":"doc-2","payload":{"title":"blue sky"}}',
      ].join('\n'),
    );
    const up = await cli(['upsert', 'items.jsonl', '--collection', 'items', '--task-id', 'cx-up', '--json']);
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual([JSON.parse(up.stdout).status, JSON.parse(up.stdout).processed_count], ['done', 2]);
    // A file that cannot be read is a usage error naming it and why, whatever the command.
    const broken = await cli(['upsert', 'missing.jsonl']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /^vecflow: cannot read missing\.jsonl: ENOENT$/m);
    const dirImport = await cli(['import', '.', '--dataset', 'items']);
    assert.equal(dirImport.code, 2);
    assert.match(dirImport.stderr, /^vecflow: cannot read \.: not a file$/m);
    await writeFile(path.join(root, 'notjson.json'), '[1, 2');
    const notJson = await cli(['vald', 'insert', '--id', 'v-0', '--vector-file', 'notjson.json']);
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /^vecflow: --vector-file notjson\.json: .*JSON/m);
    await writeFile(path.join(root, 'bad.jsonl'), '{"object_id":"x","payload":{}}\n{oops\n');
    const bad = await cli(['upsert', 'bad.jsonl']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.jsonl:2: not JSON/);

    const found = await cli(['search', 'red apples', '--collection', 'items', '--k', '1', '--json']);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(JSON.parse(found.stdout).results[0].id, 'doc-1');
    const human = await cli(['search', 'red apples', '--collection', 'items', '--k', '1']);
    assert.match(human.stdout, /^\d\.\d{4} {2}doc-1 {2}\{/);

    await writeFile(path.join(root, 'vec.json'), JSON.stringify(Array.from({ length: 384 }, (_, i) => (i % 7) / 7)));
    const ins = await cli(['vald', 'insert', '--id', 'v-1', '--vector-file', 'vec.json', '--collection', 'items']);
    assert.equal(ins.code, 0, ins.stderr);
    const again = await cli(['vald', 'insert', '--id', 'v-1', '--vector-file', 'vec.json', '--collection', 'items']);
    assert.equal(again.code, 2, 'ALREADY_EXISTS is a refused request');
    const got = await cli(['vald', 'get', '--id', 'v-1', '--collection', 'items', '--json']);
    assert.equal(JSON.parse(got.stdout).vector.length, 384);
    assert.equal((await cli(['vald', 'remove', '--id', 'v-1', '--collection', 'items'])).code, 0);

    const del = await cli(['delete', '--ids', 'doc-1', 'doc-2', '--collection', 'items', '--json']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal(JSON.parse(del.stdout).status, 'done');
    // The seed's nightly job as a Temporal Schedule: one human line per schedule.
    const created = await cli([
      'schedule',
      'create',
      '--id',
      'cx-nightly',
      '--cron',
      '0 2 * * *',
      '--output-dir',
      './embedding_backups',
      '--keep-last',
      '7',
    ]);
    assert.equal(created.code, 0, created.stderr);
    try {
      const schedules = await cli(['schedule', 'list']);
      assert.ok(
        schedules.stdout.includes(`cx-nightly  cron "0 2 * * *"  → ${path.join(root, 'embedding_backups')}  next `),
        schedules.stdout,
      );
      assert.match(schedules.stdout, /, keep last 7$/m);
    } finally {
      assert.equal((await cli(['schedule', 'delete', 'cx-nightly'])).code, 0);
    }
    const listed = await cli(['jobs', 'list', '--kind', 'upsertion']);
    assert.match(listed.stdout, /^cx-up {2}upsertion {2}done {2}items /m);
  });
});
