import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ROOT, TEMPORAL, resolveTool } from '../../devstack/tools.js';
import { createEventSummaries, langchain, langchainUrl } from '../helpers/langchain.js';
import { waitUntil } from '../helpers/processes.js';
import { testS3 } from '../helpers/s3.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// The README's shell examples stay true: each block marked `<!-- readme-test: NAME -->` runs, as
// written, under `bash -euo pipefail` against a real stack (Temporal, the embedded store, a
// worker, the API), from a scratch directory, with `npx vecflow` being this checkout's CLI and
// `temporal` the Temporal CLI the project installs.
async function block(name: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`(?:sh|bash)\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no block marked readme-test: ${name}`);
  return m[1];
}

describe("the README's shell examples", () => {
  let stack: TestStack;
  let dir: string;
  let project: string;
  let s3: Awaited<ReturnType<typeof testS3>>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-readme-'));
    project = path.join(dir, 'project'); // the cron examples' /path/to/project: a backup root
    await mkdir(project);
    s3 = await testS3('your-bucket');
    stack = await startStack({
      ...s3.env,
      VECFLOW_BACKUP_ROOT: path.join(dir, 'backups'),
      VECFLOW_BACKUP_ROOTS: project,
    });
    // `npx vecflow …` as from the project directory: this checkout's bin.
    await writeFile(
      path.join(dir, 'npx'),
      `#!/bin/sh\nif [ "$1" = vecflow ]; then shift; exec "${process.execPath}" "${path.join(ROOT, 'cli', 'vecflow.js')}" "$@"; fi\necho "npx $1: not in the README test" >&2; exit 127\n`,
    );
    await chmod(path.join(dir, 'npx'), 0o755);
  });
  afterAll(async () => {
    await stack?.stop();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs a script under bash -euo pipefail as a user's shell would: `npx vecflow`, `temporal`. */
  async function sh(name: string, script: string, cwd: string): Promise<{ stdout: string; stderr: string }> {
    const temporal = await resolveTool(TEMPORAL);
    return promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: {
        ...process.env,
        PATH: [dir, path.dirname(temporal), process.env.PATH].join(path.delimiter),
        VECFLOW_API_URL: stack.apiUrl,
        TEMPORAL_ADDRESS: stack.workerEnv.TEMPORAL_ADDRESS,
      },
      maxBuffer: 64 << 20,
    }).catch((e: { code: number; stdout: string; stderr: string }) => {
      throw new Error(
        `${name} failed (exit ${e.code}):\n${e.stderr.slice(-3000)}\n--- stdout:\n${e.stdout.slice(-2000)}`,
      );
    });
  }

  it('the curl tour runs as written: every REST feature, jobs followed to their end', async () => {
    const run = await sh('the tour', await block('tour'), dir);
    // What it did, checked behind the API's back.
    assert.equal(await stack.store.getBlue('items'), 'hash-256');
    assert.ok((await stat(path.join(dir, 'tour.parquet'))).size > 0);
    assert.ok((await stat(path.join(dir, 'backups', 'tour-backup', 'export_manifest.json'))).size > 0);
    assert.equal(await stack.store.count({ collection: 'tour', model: 'hash-384' }), 3);
    const reindex = (await stack.api('/api/v1/internal/reindex-tasks/tour-reindex')).body;
    assert.deepEqual([reindex.status, reindex.skipped_count, reindex.skipped_items[0].object_id], ['done', 1, 'vec-1']);
    assert.match(run.stdout, /tour-upsert/); // the Temporal CLI listed it
  });
  it("the seed's cron job and the same Temporal Schedule run as written, on LangChain's tables and S3", async () => {
    await langchain('fill', 'postgres', langchainUrl(stack), 'chunk_embeddings', '20', '16', 'c-');
    await createEventSummaries(stack, 3);
    // A backup older than 7 days, which the cron line's `find` removes; today's stays.
    const old = path.join(project, 'embedding_backups', '20200101');
    await mkdir(old, { recursive: true });
    await utimes(old, new Date('2020-01-02'), new Date('2020-01-02'));

    // The crontab line's command (cron's five time fields dropped; `\\%` is cron's escape, and
    // bash reads it as `%`), from the directory it cds to.
    const line = (await block('cron'))
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n')
      .replace(/^0 2 \* \* \* /, '')
      .replace('/path/to/project', project);
    const run = await sh('the cron line', line, dir);
    const today = (await sh('date', 'date +%Y%m%d', dir)).stdout.trim();
    assert.match(
      run.stderr,
      new RegExp(
        `^backup \\S+: 2 files \\+ export_manifest\\.json, \\d+ rows .*→ ${project}/embedding_backups/${today} and s3://your-bucket/embeddings/backup/${today}/?$`,
        'm',
      ),
    );
    assert.deepEqual(await readdir(path.join(project, 'embedding_backups')), [today]);
    const files = await readdir(path.join(project, 'embedding_backups', today));
    assert.deepEqual(files.sort(), ['chunk_embeddings.parquet', 'event_summaries.parquet', 'export_manifest.json']);
    const { S3BlobStore } = await import('../../blobs/s3.js');
    const bucket = new S3BlobStore({
      bucket: 'your-bucket',
      prefix: `embeddings/backup/${today}`,
      endpoint: s3.endpoint,
    });
    assert.deepEqual((await bucket.list('')).map((b) => b.key).sort(), files.sort());

    // The schedule: created and listed as written, then triggered once.
    const scheduled = await sh('the schedule example', await block('schedule'), project);
    try {
      assert.match(
        scheduled.stdout,
        new RegExp(
          `^nightly  cron "0 2 \\* \\* \\*"  → ${project}/embedding_backups and s3://your-bucket/embeddings/backup  next \\S+, keep 7 days$`,
          'm',
        ),
      );
      assert.equal((await stack.api('/api/v1/backups/schedules/nightly/trigger', { body: {} })).status, 200);
      // The triggered run's dated directory, once its manifest (written last) is there.
      const backups = path.join(project, 'embedding_backups');
      const finished = async () => {
        const stamps = (await readdir(backups)).filter((d) => /^\d{8}_\d{6}$/.test(d));
        return (
          stamps.length === 1 &&
          (await stat(path.join(backups, stamps[0], 'export_manifest.json')).catch(() => null)) !== null
        );
      };
      await waitUntil(finished, 60_000, 'the triggered run to write a backup');
    } finally {
      await stack.api('/api/v1/backups/schedules/nightly', { method: 'DELETE' });
    }
  });
});
