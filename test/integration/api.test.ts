import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startStack, type TestStack } from '../helpers/stack.js';
import type { Json } from '../helpers/json.js';

describe('API shell', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BODY_LIMIT: '64kb' });
  });
  afterAll(async () => stack.stop());

  it('answers /health and /ready when Temporal and the store answer', async () => {
    assert.deepEqual((await stack.api('/health')).body, { status: 'ok' });
    const ready = await stack.api('/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.deepEqual(ready.body.checks, { temporal: { ok: true }, store: { ok: true } });
  });

  it('gives every response a request id, echoing a given one', async () => {
    const res = await stack.api('/health', { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(res.headers.get('x-request-id'), 'abc-123');
    const other = await stack.api('/health');
    assert.match(other.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes, bad JSON and oversized bodies with JSON 4xx', async () => {
    const missing = await stack.api('/api/v1/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'not_found');
    assert.ok(missing.body.request_id);
    const bad = await stack.api('/api/v1/internal/collections', { body: '{"collection": ' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_json');
    const invalid = await stack.api('/api/v1/internal/collections', { body: { collection: 'x' } });
    assert.equal(invalid.status, 400);
    assert.deepEqual(
      invalid.body.errors.map((e: { field: string }) => e.field),
      ['body.embedding_model_id'],
    );
    const big = await stack.api('/api/v1/internal/collections', {
      body: { collection: 'x'.repeat(100_000), embedding_model_id: 'hash-256' },
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'payload_too_large');
  });

  it('publishes an OpenAPI document listing its routes', async () => {
    const doc = (await stack.api('/api/v1/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/health', '/ready', '/api/v1/collections', '/api/v1/internal/collections'])
      assert.ok(doc.paths[p], `${p} documented`);
    assert.ok(doc.paths['/api/v1/internal/collections'].post.requestBody);
  });

  it("refuses job ids that are vecflow's own (internal workflows cannot be squatted): 400 naming the field", async () => {
    for (const [route, body] of [
      ['/api/v1/backups', { backup_id: 'reindex-lock-items', output_dir: 'x' }],
      ['/api/v1/restores', { restore_id: 'provision-items-hash-384', input_dir: 'x' }],
      ['/api/v1/embeddings/upsertion-tasks/run', { task_id: 'vald-insert-1', items: [] }],
      [
        '/api/v1/internal/reindex-tasks/run',
        { task_id: 'abc/shard-0', source: { embedding_model_id: 'a' }, dest: { embedding_model_id: 'b' } },
      ],
    ] as const) {
      const r = await stack.api(route, { body });
      assert.equal(r.status, 400, `${route}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.detail, /(backup_id|restore_id|task_id): ids starting with provision-/, route);
    }
    // The internal workflow of that name is untouched and still unknown as a job.
    assert.equal((await stack.api('/api/v1/backups/reindex-lock-items')).status, 404);
  });

  it('answers odd inputs that once were 500s with a 400 naming the field', async () => {
    const probes: [string, string, unknown, RegExp][] = [
      ['POST', '/api/v1/admin/cleanup-jobs', { max_age_hours: 1e308 }, /max_age_hours/],
      ['GET', '/api/v1/vald/timestamp/abc?collection=%00', undefined, /invalid collection name/],
      ['GET', '/api/v1/vald/exists/abc?collection=a&collection=b', undefined, /invalid collection name/],
      ['POST', '/api/v1/vald/stream-insert?collection=%00', undefined, /invalid collection name/],
      ['POST', '/api/v1/backups/schedules', { interval: '0s', output_dir: 'x' }, /interval: between 1s and 3650d/],
      ['POST', '/api/v1/backups/schedules', { interval: '99999999999d', output_dir: 'x' }, /interval/],
      ['POST', '/api/v1/backups/schedules', { cron: 'not a cron', output_dir: 'x' }, /cron: /],
      ['POST', '/api/v1/backups/schedules', { cron: '* * * * * * * * *', output_dir: 'x' }, /cron: /],
      [
        'POST',
        '/api/v1/backups/schedules',
        { interval: '1h', output_dir: 'x', retention: { max_age_days: 1e308 } },
        /max_age_days/,
      ],
    ];
    for (const [method, path, body, detail] of probes) {
      const res = await fetch(stack.apiUrl + path, {
        method,
        headers: {
          'content-type': method === 'POST' && body === undefined ? 'application/x-ndjson' : 'application/json',
        },
        body: body === undefined ? (method === 'POST' ? '' : undefined) : JSON.stringify(body),
      });
      const json = (await res.json()) as { detail?: string; message?: string };
      assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(json)}`);
      assert.match(json.detail ?? json.message ?? '', detail, path);
    }
  });

  it('provisions a collection through a workflow and lists the catalog', async () => {
    const res = await stack.api('/api/v1/internal/collections', {
      body: { collection: 'items', embedding_model_id: 'hash-256' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.blue, 'hash-384');
    assert.deepEqual(
      res.body.models.map((m: { model: string; dimension: number }) => [m.model, m.dimension]),
      [
        ['hash-384', 384],
        ['hash-256', 256],
      ],
    );
    const catalog = (await stack.api('/api/v1/collections')).body.collections;
    assert.deepEqual(
      catalog.map((c: { collection: string }) => c.collection),
      ['categories', 'items'],
    );
    const unknown = await stack.api('/api/v1/internal/collections', {
      body: { collection: 'items', embedding_model_id: 'nope' },
    });
    assert.equal(unknown.status, 404);
    const badName = await stack.api('/api/v1/internal/collections', {
      body: { collection: 'a/../b', embedding_model_id: 'hash-256' },
    });
    assert.equal(badName.status, 400);
  });
});

describe('API keys', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_API_KEYS: 'k-one, k-two' });
  });
  afterAll(async () => stack.stop());

  it('require a key on /api/v1 (ApiKey or Bearer) but not on /health and /ready', async () => {
    assert.equal((await stack.api('/api/v1/collections')).status, 401);
    assert.equal((await stack.api('/api/v1/collections', { headers: { authorization: 'ApiKey wrong' } })).status, 401);
    const denied = await stack.api('/api/v1/openapi.json', { headers: { authorization: 'k-one' } });
    assert.equal(denied.status, 401);
    assert.equal(denied.body.code, 'unauthorized');
    assert.equal((await stack.api('/api/v1/collections', { headers: { authorization: 'ApiKey k-one' } })).status, 200);
    assert.equal((await stack.api('/api/v1/collections', { headers: { authorization: 'Bearer k-two' } })).status, 200);
    assert.equal((await stack.api('/health')).status, 200);
    assert.equal((await stack.api('/ready')).status, 200);
  });
});

/** A request with headers fetch() will not forge (Host). */
function raw(
  apiUrl: string,
  method: string,
  pathname: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const url = new URL(pathname, apiUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : '{}');
  });
}

describe('Host and Origin (DNS rebinding, cross-site requests)', () => {
  let open: TestStack;
  let keyed: TestStack;
  beforeAll(async () => {
    open = await startStack({});
    keyed = await startStack({ VECFLOW_API_KEYS: 'k-one', VECFLOW_ALLOWED_HOSTS: 'vecflow.example' });
  });
  afterAll(async () => {
    await open.stop();
    await keyed.stop();
  });
  const json = { 'content-type': 'application/json' };

  it('without keys: answers loopback names only, and refuses state-changing requests from other origins', async () => {
    for (const host of ['evil.example', 'evil.example:8000', '10.0.0.1', 'localhost.evil.example'])
      assert.deepEqual([(await raw(open.apiUrl, 'GET', '/health', { host })).status, host], [403, host]);
    for (const host of ['localhost:1234', '127.0.0.1', '[::1]:80', 'LOCALHOST'])
      assert.equal((await raw(open.apiUrl, 'GET', '/api/v1/collections', { host })).status, 200, host);
    const post = (origin: string, type = json) =>
      raw(open.apiUrl, 'POST', '/api/v1/internal/collections', { host: 'localhost', origin, ...type });
    for (const origin of ['http://evil.example', 'null', 'https://localhost.evil.example', 'file://'])
      assert.equal((await post(origin)).status, 403, origin);
    // A "simple" cross-origin POST (no preflight) is refused before its body is read.
    assert.equal((await post('http://evil.example', { 'content-type': 'text/plain' })).status, 403);
    // The same page origin as the API's own name passes the guard (and fails validation: 400).
    assert.equal((await post('http://localhost:5173')).status, 400);
    // Reading is not state-changing: the browser's same-origin policy guards the answer.
    assert.equal(
      (await raw(open.apiUrl, 'GET', '/api/v1/collections', { host: 'localhost', origin: 'http://evil.example' }))
        .status,
      200,
    );
  });

  it('with keys: VECFLOW_ALLOWED_HOSTS restricts the names, and Origins to them', async () => {
    const auth = { authorization: 'ApiKey k-one' };
    assert.equal(
      (await raw(keyed.apiUrl, 'GET', '/api/v1/collections', { host: 'vecflow.example', ...auth })).status,
      200,
    );
    assert.equal((await raw(keyed.apiUrl, 'GET', '/api/v1/collections', { host: '127.0.0.1', ...auth })).status, 403);
    const post = (origin: string) =>
      raw(keyed.apiUrl, 'POST', '/api/v1/internal/collections', { host: 'vecflow.example', origin, ...auth, ...json });
    assert.equal((await post('https://evil.example')).status, 403);
    assert.equal((await post('https://vecflow.example')).status, 400);
  });
});

describe('an embedding service that refuses', () => {
  let stack: TestStack;
  let upstream: http.Server;
  let answer = 401;
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      req.resume();
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{"error":{"message":"refused"}}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as { port: number }).port;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-upstream-'));
    const config = path.join(dir, 'vecflow.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        models: [{ id: 'remote-8', kind: 'openai', dimension: 8, base_url: `http://127.0.0.1:${port}/v1`, model: 'm' }],
        collections: [{ name: 'remote', blue_model: 'remote-8' }],
      }),
    );
    stack = await startStack({ VECFLOW_CONFIG: config });
  });
  afterAll(async () => {
    await stack.stop();
    upstream.close();
  });

  it("answers an upstream 401 as 502 (the service's credentials, not the caller's), an upstream 400 as 400", async () => {
    const search = () => stack.api('/api/v1/collections/remote/search', { body: { text: 'chair' } });
    const refused = await search();
    assert.deepEqual([refused.status, refused.body.code], [502, 'bad_gateway'], JSON.stringify(refused.body));
    answer = 400;
    const bad = await search();
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_argument'], JSON.stringify(bad.body));
  });
});

describe('API safety when things are missing', () => {
  it('answers /ready 503 with a JSON reason while the store does not answer', async () => {
    const { createApp } = await import('../../api/app.js');
    const { loadConfig } = await import('../../core/config.js');
    const { createLogger } = await import('../../core/logger.js');
    const { LazyStore } = await import('../../stores/lazy.js');
    const { openStore } = await import('../../stores/index.js');
    const { testTemporal } = await import('../helpers/temporal.js');
    const temporal = await testTemporal();
    const store = new LazyStore(() => openStore({ kind: 'embedded', socketDir: '/nonexistent/vecflow-socket' }, 1));
    const app = createApp({
      config: loadConfig({}),
      store,
      temporal: temporal.client,
      log: createLogger('test', 'silent'),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/ready`);
      const body = (await res.json()) as Json;
      assert.equal(res.status, 503);
      assert.equal(body.status, 'unavailable');
      assert.equal(body.reason, 'not answering: store');
      assert.equal(body.checks.temporal.ok, true);
      assert.equal(body.checks.store.ok, false);
      assert.ok(body.checks.store.error);
    } finally {
      server.close();
      await temporal.stop();
    }
  });

  it('refuses to listen beyond loopback without API keys', async () => {
    const { spawnSync } = await import('node:child_process');
    const { ROOT } = await import('../../devstack/tools.js');
    const env = { ...process.env, VECFLOW_HOST: '0.0.0.0', PORT: '0', VECFLOW_GRPC_PORT: '0', VECFLOW_API_KEYS: '' };
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 2, 'a configuration error exits 2');
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without API keys/);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /VECFLOW_HOST=0\.0\.0\.0: .*set VECFLOW_API_KEYS/);
  });
});
