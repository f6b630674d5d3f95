import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { VALD_DESCRIPTORS_PATH } from '../../api/grpc/descriptors.js';
import { ROOT } from '../../devstack/tools.js';
import { dumpValdDescriptors } from '../../devstack/vald/descriptors.js';
import type { Json } from '../helpers/json.js';
import { provided } from '../helpers/servers.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// Vald's own Python client (vald-client-python 1.8.0) against the real stack, for the RPCs the
// Node client lacks, search, health checking and reflection (test/python/vald_checks.py).
const run = promisify(execFile);

async function checks(address: string, scenario: string, env: Record<string, string> = {}): Promise<Json> {
  const python = (await provided('python'))!;
  const { stdout } = await run(python, [path.join(ROOT, 'test/python/vald_checks.py'), address, scenario], {
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout);
}

describe('Vald gRPC API (vald-client-python)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({}, { grpc: true });
  });
  afterAll(async () => stack?.stop());

  it('serves the descriptors vald-client-python publishes, byte for byte', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-desc-'));
    try {
      await dumpValdDescriptors(path.join(dir, 'fresh.protoset'));
      assert.ok((await readFile(path.join(dir, 'fresh.protoset'))).equals(await readFile(VALD_DESCRIPTORS_PATH)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('UpdateTimestamp, GetTimestamp and RemoveByTimestamp', async () => {
    const out = await checks(stack.grpcAddress!, 'timestamps');
    assert.deepEqual(out, {
      initial: 100,
      newer: 'OK',
      after_newer: 200,
      older: 'ABORTED',
      older_forced: 'OK',
      after_forced: 150,
      missing: 'NOT_FOUND',
      zero: 'INVALID_ARGUMENT',
      removed_by_timestamp: ['py-r1'],
      empty_conditions: 'INVALID_ARGUMENT',
    });
  });

  it('Search, SearchByID, LinearSearch, MultiSearch and StreamSearch with Vald config semantics', async () => {
    const out = await checks(stack.grpcAddress!, 'search');
    assert.equal(out.search.length, 5);
    assert.deepEqual(out.search[0][0], 'py-s5', 'the query vector itself comes first');
    assert.ok(Math.abs(out.search[0][1]) < 1e-6, 'at distance 0');
    assert.ok(out.search.every((r: [string, number], i: number) => i === 0 || r[1] >= out.search[i - 1][1]));
    assert.equal(out.request_id, 'q');
    assert.equal(out.by_id[0], 'py-s7');
    assert.deepEqual(
      out.linear,
      out.search.slice(0, 3).map((r: [string, number]) => r[0]),
    );
    assert.deepEqual(out.multi, [['py-s0'], ['py-s1'], ['py-s2']]);
    assert.deepEqual(out.stream, [{ ids: ['py-s1'] }, { code: 3 }], 'a bad request gets its own status');
    assert.deepEqual(out.radius, ['py-s5'], 'radius leaves out the farther results');
    assert.equal(out.min_num, 'NOT_FOUND');
    assert.equal(out.num_zero, 'INVALID_ARGUMENT');
    assert.equal(out.wrong_dim, 'INVALID_ARGUMENT');
    assert.equal(out.missing_id, 'NOT_FOUND');
  });

  it('StreamListObject lists every vector; Flush removes them all', async () => {
    const listed = await checks(stack.grpcAddress!, 'list');
    assert.equal(listed.count, await stack.store.count({ collection: 'items', model: 'hash-384' }));
    assert.ok(listed.ids.includes('py-ts') && listed.ids.includes('py-s0'));
    const flushed = await checks(stack.grpcAddress!, 'flush');
    assert.deepEqual(flushed, { stored: 0, exists_after: 'NOT_FOUND', listed_after: 0 });
  });

  it("runs the README's Python example as written", async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const block =
      /<!-- vald-python-example:start -->\s*```python\n([\s\S]*?)```\s*<!-- vald-python-example:end -->/.exec(readme);
    assert.ok(block, 'the README has the example');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-example-'));
    try {
      await writeFile(path.join(dir, 'example.py'), block[1]);
      const { stdout } = await run((await provided('python'))!, [path.join(dir, 'example.py')], {
        env: { ...process.env, VALD_ADDRESS: stack.grpcAddress! },
      });
      const lines = stdout.trim().split('\n');
      assert.equal(lines[0], 'inserted doc-1 into items__hash-384');
      assert.match(lines[1], /^found doc-1 0(\.0)?$/, 'the vector itself is nearest, at distance 0');
      assert.equal(lines.at(-1), 'stored doc-1 384 values');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers standard health checks and server reflection', async () => {
    assert.deepEqual(await checks(stack.grpcAddress!, 'health'), {
      '': 'SERVING',
      'vald.v1.Insert': 'SERVING',
      'vald.v1.Search': 'SERVING',
    });
    const refl = await checks(stack.grpcAddress!, 'reflection');
    for (const s of [
      'vald.v1.Insert',
      'vald.v1.Upsert',
      'vald.v1.Update',
      'vald.v1.Remove',
      'vald.v1.Object',
      'vald.v1.Search',
      'vald.v1.Flush',
      'grpc.health.v1.Health',
    ])
      assert.ok(refl.services.includes(s), `${s} in ${refl.services}`);
    assert.equal(refl.insert_file, 'vald/v1/vald/insert.proto');
  });
});

describe('Vald gRPC API keys', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_API_KEYS: 'grpc-key-1,reader-1:read,writer-1:write' }, { grpc: true });
  });
  afterAll(async () => stack?.stop());

  it('needs `authorization: ApiKey|Bearer <key>` metadata, and says nothing of which part was wrong', async () => {
    const out = await checks(stack.grpcAddress!, 'auth', { VALD_API_KEY: 'grpc-key-1' });
    assert.deepEqual(out.none, out.wrong, 'a missing and a wrong key get the same answer');
    assert.deepEqual(out.bare, out.wrong);
    assert.equal(out.wrong[0], 'UNAUTHENTICATED');
    assert.equal(out.apikey[0], 'NOT_FOUND', 'with the key the call goes through (to an unknown id)');
    assert.equal(out.bearer[0], 'NOT_FOUND');
    assert.equal(out.health, 'SERVING', 'health checks need no key');
  });

  it('roles: read keys read, write keys write, RemoveByTimestamp and Flush need admin (PERMISSION_DENIED)', async () => {
    const as = (key: string) => checks(stack.grpcAddress!, 'roles', { VALD_API_KEY: key });
    assert.deepEqual(await as('reader-1'), {
      exists: 'NOT_FOUND',
      insert: 'PERMISSION_DENIED',
      remove_by_timestamp: 'PERMISSION_DENIED',
      flush: 'PERMISSION_DENIED',
    });
    assert.deepEqual(await as('writer-1'), {
      exists: 'NOT_FOUND',
      insert: 'OK',
      remove_by_timestamp: 'PERMISSION_DENIED',
      flush: 'PERMISSION_DENIED',
    });
    // A bare key is admin, as before roles existed.
    assert.deepEqual(await as('grpc-key-1'), {
      exists: 'NOT_FOUND',
      insert: 'OK',
      remove_by_timestamp: 'OK',
      flush: 'OK',
    });
  });
});
