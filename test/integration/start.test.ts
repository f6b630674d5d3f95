import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { npmStart } from '../helpers/npm-start.js';
import { alive, descendants, waitUntil } from '../helpers/processes.js';

// `npm start` end to end: the supervisor brings up Temporal, the embedded store, the worker and
// the API from nothing, answers /ready, keeps state across restarts and leaves no process behind;
// its log is readable, holds no secret and no stack trace; a configuration mistake stops it at once.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vf-start-'));

// Secrets the first run is given: none may appear in any log line.
const SECRETS = {
  VECFLOW_API_KEYS: 'key-never-logged-1f8e',
  AWS_SECRET_ACCESS_KEY: 'aws-never-logged-77c1',
  QDRANT_API_KEY: 'qdrant-never-logged-9a0b',
};

const launch = (viaShell: boolean, extraEnv: Record<string, string> = {}) => npmStart(dataDir, extraEnv, { viaShell });

describe('npm start (supervised embedded stack)', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('becomes ready, serves requests and stops every child on SIGTERM; its log is readable and keeps secrets', async () => {
    const stack = await launch(false, { ...SECRETS, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    const { child, url, output } = stack;
    await stack.ready(90_000);
    assert.match(output(), /Temporal UI http:\/\/127\.0\.0\.1:\d+/);
    assert.match(output(), /API\s+http:\/\/127\.0\.0\.1:\d+/);
    const auth = { authorization: `ApiKey ${SECRETS.VECFLOW_API_KEYS}` };
    const refused = await fetch(`${url}/api/v1/collections`, {
      headers: { authorization: 'Bearer wrong-key-never-logged' },
    });
    assert.equal(refused.status, 401);
    const made = await fetch(`${url}/api/v1/internal/collections`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ collection: 'persisted', embedding_model_id: 'hash-256', deploy_as_blue: true }),
    });
    assert.equal(made.status, 200, await made.clone().text());
    // The supervisor wires the worker's metrics port to the API: one scrape shows both.
    const metrics = await fetch(`${url}/api/v1/metrics/prometheus`, { headers: auth });
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get('x-vecflow-unreachable-workers'), null, 'the worker metrics endpoint answers');
    assert.match(await metrics.text(), /# TYPE vecflow_rows_total counter/);
    const tree = descendants(child.pid!);
    assert.ok(tree.length >= 3, `temporal, worker and api run under the supervisor: ${tree}`);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await waitUntil(() => tree.every((p) => !alive(p)), 30_000, `children ${tree} to exit`);

    const lines = output()
      .split('\n')
      .filter((l) => l.trim());
    for (const secret of [...Object.values(SECRETS), 'wrong-key-never-logged'])
      assert.ok(
        !output().includes(secret),
        `a secret was logged:\n${lines.filter((l) => l.includes(secret)).join('\n')}`,
      );
    // One readable line per event, from every process: time, level, process, message.
    const readable = /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) \((vecflow|api|worker)\): \S/;
    assert.deepEqual(
      lines.filter((l) => !readable.test(l)),
      [],
      'every line is a readable log line (no stack, no JSON)',
    );
    for (const name of ['vecflow', 'api', 'worker'])
      assert.ok(
        lines.some((l) => l.includes(`(${name}):`)),
        name,
      );
    assert.ok(
      lines.some((l) => /INFO \(api\): POST \/api\/v1\/internal\/collections 200/.test(l)),
      'requests are logged',
    );
    assert.ok(
      lines.some((l) => /\(api\): GET \/api\/v1\/collections 401/.test(l)),
      'refused requests are logged',
    );
  });

  it('keeps its state across restarts and stops when its parent shell dies', async () => {
    const stack = await launch(true);
    const { child, url } = stack;
    await stack.ready(90_000);
    const catalog = (await (await fetch(`${url}/api/v1/collections`)).json()) as {
      collections: { collection: string; blue: string }[];
    };
    const persisted = catalog.collections.find((c: { collection: string }) => c.collection === 'persisted');
    assert.equal(persisted?.blue, 'hash-256', 'the store kept the previous run’s collection');
    const tree = descendants(child.pid!);
    child.kill('SIGKILL'); // the shell dies without passing any signal on
    await waitUntil(() => tree.every((p) => !alive(p)), 45_000, `orphaned children ${tree} to exit`);
  });

  it('stops at once on a configuration mistake, with one line naming it and exit code 2', async () => {
    const { child, output } = await launch(false, { VECFLOW_HOST: '0.0.0.0', VECFLOW_API_KEYS: '' });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    assert.equal(code, 2, output());
    assert.deepEqual(output().trim().split('\n'), [
      'vecflow: configuration error: VECFLOW_HOST=0.0.0.0: refusing to listen on 0.0.0.0 without API keys — set VECFLOW_API_KEYS=<key>[,<key>…], or unset VECFLOW_HOST to listen on 127.0.0.1 only',
    ]);
  });
});
