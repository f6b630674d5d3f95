import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ROOT, TEMPORAL, resolveTool } from '../../devstack/tools.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// The README's shell examples stay true: each block marked `<!-- readme-test: NAME -->` runs, as
// written, under `bash -euo pipefail` against a real stack (Temporal, the embedded store, a
// worker, the API), from a scratch directory, with `npx vecflow` being this checkout's CLI and
// `temporal` the Temporal CLI the project installs.
async function block(name: string): Promise<string> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no block marked readme-test: ${name}`);
  return m[1];
}

describe("the README's shell examples", () => {
  let stack: TestStack;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-readme-'));
    stack = await startStack({ VECFLOW_BACKUP_ROOT: path.join(dir, 'backups') });
    // `npx vecflow …` as from the project directory: this checkout's bin.
    await writeFile(
      path.join(dir, 'npx'),
      `#!/bin/sh\nif [ "$1" = vecflow ]; then shift; exec "${process.execPath}" "${path.join(ROOT, 'cli', 'vecflow.js')}" "$@"; fi\necho "npx $1: not in the README test" >&2; exit 127\n`,
    );
    await chmod(path.join(dir, 'npx'), 0o755);
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the curl tour runs as written: every REST feature, jobs followed to their end', async () => {
    const script = await block('tour');
    const temporal = await resolveTool(TEMPORAL);
    const run = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: {
        ...process.env,
        PATH: [dir, path.dirname(temporal), process.env.PATH].join(path.delimiter),
        VECFLOW_API_URL: stack.apiUrl,
        TEMPORAL_ADDRESS: stack.workerEnv.TEMPORAL_ADDRESS,
      },
      maxBuffer: 64 << 20,
    }).catch((e: { code: number; stdout: string; stderr: string }) => {
      throw new Error(
        `the tour failed (exit ${e.code}):\n${e.stderr.slice(-3000)}\n--- stdout:\n${e.stdout.slice(-2000)}`,
      );
    });
    // What it did, checked behind the API's back.
    assert.equal(await stack.store.getBlue('items'), 'hash-256');
    assert.ok((await stat(path.join(dir, 'tour.parquet'))).size > 0);
    assert.ok((await stat(path.join(dir, 'backups', 'tour-backup', 'export_manifest.json'))).size > 0);
    assert.equal(await stack.store.count({ collection: 'tour', model: 'hash-384' }), 3);
    const reindex = (await stack.api('/api/v1/internal/reindex-tasks/tour-reindex')).body;
    assert.deepEqual([reindex.status, reindex.skipped_count, reindex.skipped_items[0].object_id], ['done', 1, 'vec-1']);
    assert.match(run.stdout, /tour-upsert/); // the Temporal CLI listed it
  });
});
