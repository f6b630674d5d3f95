import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { ROOT } from '../../devstack/tools.js';
import { waitUntil } from '../helpers/processes.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// Progress that tells the truth while an activity is being retried (issue #16): a backup to an
// S3 endpoint nobody listens on fails its upload again and again (a connection refused may pass,
// so it is retried); GET /api/v1/jobs/{id} says which attempt and why, and the CLI's progress
// line shows `retrying (attempt N): <last error>` instead of a bar that sits at 100 %.
describe('a job whose activity is being retried', () => {
  let stack: TestStack;
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'vf-cli-retry-'));
    const nobody = `http://127.0.0.1:${await freePort()}`;
    // The in-process worker's AWS SDK reads its credentials from the process environment.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'vecflow-test', AWS_SECRET_ACCESS_KEY: 'vecflow-test' });
    stack = await startStack({
      VECFLOW_BACKUP_ROOT: root,
      S3_ENDPOINT: nobody,
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('is reported with its attempt and last error, by the API and on the CLI progress line', async () => {
    const started = await stack.api('/api/v1/backups', {
      body: { backup_id: 'retry-backup', s3: { bucket: 'nowhere', prefix: 'x' } },
    });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    let retrying: { activity: string; attempt: number; last_error: string }[] = [];
    await waitUntil(
      async () => {
        const job = (await stack.api('/api/v1/jobs/retry-backup')).body;
        if (job.closed_at) throw new Error(`the backup ended: ${job.status} ${job.detail}`);
        retrying = job.retrying ?? [];
        return retrying.length > 0;
      },
      60_000,
      'the upload being retried',
    );
    assert.equal(retrying[0].activity, 'uploadBackupFiles');
    assert.ok(retrying[0].attempt >= 2);
    assert.match(retrying[0].last_error, /ECONNREFUSED|connect/i);

    // The CLI follows it: the line says so; Ctrl-C then detaches (the job is canceled after).
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'cli', 'vecflow.js'), 'status', 'retry-backup', '--follow'],
      {
        cwd: root,
        env: { ...process.env, ...stack.workerEnv },
      },
    );
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (c) => {
      stderr += c;
      if (!sent && /retrying \(attempt \d+\): /.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /^writing \| 0 \| retrying \(attempt \d+\): connect ECONNREFUSED/m);
    assert.equal((await stack.api('/api/v1/jobs/retry-backup/cancel', { method: 'POST' })).status, 200);
  });
});
