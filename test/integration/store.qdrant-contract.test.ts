import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, it } from 'vitest';
import { ROOT } from '../../devstack/tools.js';
import { QdrantStore } from '../../stores/qdrant/store.js';
import { storeConformance } from '../conformance/store.conformance.js';
import { provided } from '../helpers/servers.js';

// The Qdrant adapter against a stand-in Qdrant (test/python/qdrant_standin.py): every request is
// validated against Qdrant's published OpenAPI documents (test/fixtures/qdrant, 1.18 enforced —
// docker-compose's version — and 1.16 recorded), and the answers come from qdrant-client's local
// mode, Qdrant's own Python implementation of its semantics. The store conformance suite runs
// unchanged; then the recorded report must show no request outside the 1.18 API.
const ENFORCED = '1.18';
const FIXTURES = path.join(ROOT, 'test/fixtures/qdrant');

interface ContractReport {
  violations: { version: string; kind: 'request' | 'response'; problem: string }[];
  operations: Record<string, number>;
}

let standin: { child: ChildProcess; url: string } | undefined;
async function startStandin(): Promise<string> {
  const python = (await provided('python'))!;
  const child = spawn(
    python,
    [
      path.join(ROOT, 'test/python/qdrant_standin.py'),
      ...['1.16', '1.18'].flatMap((v) => ['--spec', `${v}=${path.join(FIXTURES, `openapi-v${v}.x.json`)}`]),
      '--enforce',
      ENFORCED,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`stand-in exited ${code}`)));
  const [line] = (await Promise.race([once(createInterface({ input: child.stdout! }), 'line'), exited])) as [string];
  const { port } = JSON.parse(line) as { port: number };
  standin = { child, url: `http://127.0.0.1:${port}` };
  return standin.url;
}

const report = async (): Promise<ContractReport> =>
  (await fetch(`${standin!.url}/__contract/report`)).json() as Promise<ContractReport>;

afterAll(() => {
  standin?.child.kill();
});

storeConformance('qdrant adapter on the OpenAPI-validating stand-in (qdrant-client local mode)', async () =>
  QdrantStore.open(await startStandin()),
);

describe('the Qdrant contract', () => {
  it(`sent only requests Qdrant ${ENFORCED}'s published API accepts, and got documented answers`, async () => {
    const { violations, operations } = await report();
    console.log(`[qdrant contract] operations exercised: ${JSON.stringify(operations)}`);
    assert.deepEqual(
      violations.filter((v) => v.version === ENFORCED),
      [],
    );
    // Every operation the adapter uses ran at least once (else the check above proves little).
    for (const op of [
      'root',
      'collection_exists',
      'create_collection',
      'create_field_index',
      'delete_collection',
      'get_points',
      'upsert_points',
      'batch_update',
      'delete_points',
      'scroll_points',
      'count_points',
      'query_points',
      'get_collections_aliases',
      'update_aliases',
    ]) {
      assert.ok(operations[op] > 0, `${op} never ran`);
    }
  });

  it('against Qdrant 1.16 the only gap is update_mode (insert-only and update-only writes), which the adapter refuses to rely on', async () => {
    const gaps = new Set((await report()).violations.filter((v) => v.version === '1.16').map((v) => v.problem));
    console.log(`[qdrant contract] 1.16 gaps: ${[...gaps].join('\n')}`);
    assert.ok(gaps.size > 0);
    for (const gap of gaps) assert.match(gap, /update_mode/);
  });

  it('the stand-in rejects what Qdrant would reject (so the checks above can fail)', async () => {
    const before = (await report()).violations.length;
    const res = await fetch(`${standin!.url}/collections/x/points/scroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 0, with_vectors: true }),
    });
    assert.equal(res.status, 400);
    const problems = (await report()).violations.slice(before).map((v) => v.problem);
    assert.ok(problems.some((p) => p.includes('with_vectors')));
    assert.ok(problems.some((p) => p.includes('limit')));
  });
});
