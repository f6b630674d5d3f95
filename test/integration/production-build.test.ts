import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { ROOT } from '../../devstack/tools.js';
import type { Json } from '../helpers/json.js';
import { waitUntil } from '../helpers/processes.js';
import { provided } from '../helpers/servers.js';

// What the production image runs, run here the way the Dockerfile builds it: `npm run build`
// (tsc into dist/ plus the prebuilt workflow bundle), `npm ci --omit=dev` (offline, from npm's
// cache) into a directory of its own, then the compiled worker and API with plain node — no tsx,
// no TypeScript, no dev dependency — against the run's Temporal.
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? jsFiles(full) : n.endsWith('.js') ? [full] : [];
  });
}

/** The package a bare import specifier names (`@scope/name/sub` → `@scope/name`), or null for a relative one. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('the production build', () => {
  let app: string;
  const children: ChildProcess[] = [];
  let output = '';

  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 64 << 20 });
    app = mkdtempSync(path.join(os.tmpdir(), 'vf-prod-'));
    for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, f), path.join(app, f));
    await run('npm', ['ci', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: app,
      maxBuffer: 64 << 20,
    });
    cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  });
  afterAll(async () => {
    for (const c of children) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    }
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('imports nothing but production dependencies and node built-ins', () => {
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    // The dev server's fallback download, imported only when the Temporal CLI cannot be had
    // (npm start on a developer's machine; never in the image, which talks to a real Temporal).
    const optional = new Set(['@temporalio/testing']);
    const used = new Map<string, string>();
    for (const file of jsFiles(path.join(ROOT, 'dist'))) {
      if (file.endsWith('workflow-bundle.js')) continue; // self-contained
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'"]+)['"]/g)) {
        const name = packageOf(m[1]);
        if (name && !allowed.has(name) && !optional.has(name)) used.set(name, path.relative(ROOT, file));
      }
    }
    assert.deepEqual(Object.fromEntries(used), {}, 'packages imported by dist/ that production installs lack');
    assert.ok(existsSync(path.join(ROOT, 'dist/workflow-bundle.js')), 'the workflow bundle is prebuilt');
    // (typescript itself comes along: @qdrant/js-client-rest declares it as a peer dependency.)
    for (const dev of ['tsx', 'vitest', 'eslint', '@temporalio/testing'])
      assert.ok(!existsSync(path.join(app, 'node_modules', dev)), `${dev} is not installed in production`);
  });

  it('runs the compiled worker (prebuilt bundle) and API with plain node and production dependencies', async () => {
    const temporalAddress = (await provided('temporalAddress'))!;
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      TEMPORAL_ADDRESS: temporalAddress,
      VECFLOW_TASK_QUEUE: `prod-${process.pid}-${Date.now().toString(36)}`,
      VECFLOW_DATA_DIR: path.join(app, 'data'),
      PORT: String(port),
      VECFLOW_GRPC_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    for (const entry of ['dist/worker/main.js', 'dist/api/main.js']) {
      const child = spawn(process.execPath, [entry], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (c) => (output += c));
      child.stderr!.on('data', (c) => (output += c));
      children.push(child);
    }
    const url = `http://127.0.0.1:${port}`;
    const api = async (p: string, body?: unknown): Promise<{ status: number; body: Json }> => {
      const res = await fetch(url + p, {
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    await waitUntil(
      async () => (await fetch(`${url}/ready`).catch(() => null))?.status === 200 && output.includes('worker running'),
      120_000,
      () => `the compiled stack to be ready; output so far:\n${output}`,
    );

    // A workflow, an embedding upsert task, and an import through busboy and DuckDB.
    const made = await api('/api/v1/internal/collections', { collection: 'prod', embedding_model_id: 'hash-256' });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const task = await api('/api/v1/embeddings/upsertion-tasks/run', {
      task_id: 'prod-task',
      items: [{ object_id: 'a', payload: { title: 'compiled and running' } }],
    });
    assert.equal(task.status, 200, JSON.stringify(task.body));
    const form = new FormData();
    form.append(
      'file',
      new Blob(['{"id":"r1","values":[0.1,0.2,0.3]}\n{"id":"r2","values":[0.4,0.5,0.6]}\n']),
      'rows.jsonl',
    );
    const started = await fetch(`${url}/api/v1/datasets/prod-rows/import`, { method: 'POST', body: form });
    const importId = ((await started.json()) as Json).job_id;
    let done: Json;
    await waitUntil(
      async () => {
        const [t, i] = [
          await api('/api/v1/embeddings/upsertion-tasks/prod-task'),
          await api(`/api/v1/import/${importId}`),
        ];
        done = { task: t.body, import: i.body };
        return t.body.status === 'done' && i.body.status !== 'running' && !i.body.detail;
      },
      120_000,
      'the task and the import to end',
    );
    assert.equal(done!.task.processed_count, 1);
    assert.equal(done!.import.status, 'completed', JSON.stringify(done!.import));
    assert.equal(done!.import.successful_rows, 2);

    // An export: its parts are written by a worker thread started from the compiled file.
    const exported = await api('/api/v1/datasets/prod-rows/export', { format: 'jsonl' });
    assert.equal(exported.status, 200, JSON.stringify(exported.body));
    let job: Json = {};
    await waitUntil(
      async () => {
        job = (await api(`/api/v1/export/${exported.body.job_id}`)).body;
        return job.status !== 'running';
      },
      120_000,
      'the export to end',
    );
    assert.equal(job.status, 'completed', JSON.stringify(job));
    const lines = (await (await fetch(url + job.download_url)).text()).trim().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as Json).id).sort(), ['r1', 'r2']);

    assert.ok(!output.includes('Workflow bundle created'), 'the worker loaded the prebuilt bundle instead of bundling');
    assert.ok(!/"level":50|"level":60/.test(output), `no error was logged:\n${output}`);
  });
});
