import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Json } from '../helpers/json.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// Roles on API keys (`key:read`, `key:write`, `key:admin`, a bare key = admin), for every route
// the OpenAPI document lists: each route refuses keys below its role (403) and lets its own role
// through to validation. The gRPC side is in vald-python.test.ts (Vald's own client).
const KEYS = { read: 'reader-key', write: 'writer-key', admin: 'boss-key' } as const;
type Role = keyof typeof KEYS;
const BELOW: Record<Role, Role[]> = { read: [], write: ['read'], admin: ['read', 'write'] };

describe('API key roles', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      VECFLOW_API_KEYS: `legacy-key, ${KEYS.read}:read, ${KEYS.write}:write, ${KEYS.admin}:admin`,
    });
  });
  afterAll(async () => stack.stop());
  const as = (role: Role | 'legacy', path: string, method = 'GET', body?: unknown) =>
    stack.api(path, {
      method,
      body,
      headers: { authorization: `ApiKey ${role === 'legacy' ? 'legacy-key' : KEYS[role]}` },
    });

  it('every route refuses keys below its role (403, JSON) and admits its own role', async () => {
    const doc = (await as('read', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-vecflow-role'?: Role; security?: unknown[] }>>;
    };
    const seen: Record<Role, number> = { read: 0, write: 0, admin: 0 };
    for (const [template, ops] of Object.entries(doc.paths)) {
      const path = template.replace(/\{\w+\}/g, 'role-probe');
      for (const [method, op] of Object.entries(ops)) {
        if (op.security) continue; // public: /health, /ready
        const role = op['x-vecflow-role'];
        assert.ok(role, `${method} ${template} declares a role`);
        seen[role]++;
        const body = method === 'get' || method === 'delete' ? undefined : {};
        for (const lower of BELOW[role]) {
          const res = await as(lower, path, method.toUpperCase(), body);
          assert.equal(res.status, 403, `${lower} key on ${method} ${template}: ${JSON.stringify(res.body)}`);
          const b = res.body as Json;
          if (template.includes('/vald/')) assert.equal(b.status, 'PERMISSION_DENIED');
          else assert.equal(b.code, 'forbidden');
          assert.match(JSON.stringify(b), new RegExp(`${role} role`));
        }
        const own = await as(role, path, method.toUpperCase(), body);
        assert.ok(
          ![401, 403].includes(own.status) && own.status < 500,
          `${role} on ${method} ${template}: ${own.status}`,
        );
      }
    }
    // The split the issue asks for, by example, so a route that loses its role is caught.
    const roleOf = (method: string, path: string) => doc.paths[`/api/v1${path}`][method]['x-vecflow-role'];
    assert.equal(roleOf('post', '/collections/{collection}/search'), 'read');
    assert.equal(roleOf('post', '/datasets/{dataset_id}/export'), 'read');
    assert.equal(roleOf('post', '/backups/verify'), 'read');
    assert.equal(roleOf('post', '/embeddings/upsertion-tasks/run'), 'write');
    assert.equal(roleOf('post', '/embeddings/deletion-tasks/{task_id}/cancel'), 'write');
    assert.equal(roleOf('post', '/vald/stream-upsert'), 'write');
    assert.equal(roleOf('post', '/backups'), 'write');
    assert.equal(roleOf('post', '/datasets/{dataset_id}/import'), 'write');
    for (const [method, path] of [
      ['post', '/restores'],
      ['post', '/admin/cleanup-jobs'],
      ['post', '/backups/schedules'],
      ['delete', '/backups/schedules/{id}'],
      ['post', '/internal/collections'],
      ['post', '/internal/collections/blue'],
      ['post', '/vald/remove-by-timestamp'],
    ])
      assert.equal(roleOf(method, path), 'admin', `${method} ${path}`);
    assert.ok(seen.read > 5 && seen.write > 5 && seen.admin >= 7, JSON.stringify(seen));
  });

  it('deploy_as_blue on a reindex needs admin; the same reindex without it needs write', async () => {
    const body = {
      collection: 'role_probe',
      source: { embedding_model_id: 'a' },
      dest: { embedding_model_id: 'b' },
      deploy_as_blue: true,
    };
    const denied = await as('write', '/api/v1/internal/reindex-tasks/run', 'POST', body);
    assert.equal(denied.status, 403, JSON.stringify(denied.body));
    assert.match(denied.body.detail, /deploy_as_blue needs an API key with the admin role/);
    const plain = await as('write', '/api/v1/internal/reindex-tasks/run', 'POST', { ...body, deploy_as_blue: false });
    assert.notEqual(plain.status, 403, JSON.stringify(plain.body));
    assert.notEqual((await as('admin', '/api/v1/internal/reindex-tasks/run', 'POST', body)).status, 403);
  });

  it('a bare key is admin; a missing or unknown key is 401, never 403', async () => {
    assert.equal((await as('legacy', '/api/v1/restores', 'POST', {})).status, 400);
    const none = await stack.api('/api/v1/restores', { method: 'POST', body: {} });
    assert.equal(none.status, 401);
    const unknown = await stack.api('/api/v1/collections', { headers: { authorization: 'ApiKey reader-key:read' } });
    assert.equal(unknown.status, 401, 'the role suffix is configuration, not part of the key');
  });
});
