import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type TestStack, startStack } from '../helpers/stack.js';
import {
  type ValdClients,
  call,
  insertRequest,
  payload,
  removeRequest,
  statusDetails,
  updateRequest,
  upsertRequest,
  valdClients,
} from '../helpers/vald-node.js';

// Vald's gRPC API with Vald's own Node client (vald-client-node) against the real stack: every
// RPC the client has, each status code with Vald's error details, bit-exact reads.
const DIM = 384; // the blue model of `items`
const vec = (seed: number) => Array.from({ length: DIM }, (_, j) => Math.fround(Math.sin(seed * 31 + j) / 3));
const codeOf = (r: { err?: { code: number } }) => r.err?.code ?? 0;

describe('Vald gRPC API (vald-client-node)', () => {
  let stack: TestStack;
  let vald: ValdClients;
  beforeAll(async () => {
    stack = await startStack({}, { grpc: true });
    vald = valdClients(stack.grpcAddress!);
  });
  afterAll(async () => {
    vald?.close();
    await stack?.stop();
  });

  it('inserts, and refuses a second insert of the id with ALREADY_EXISTS and Vald error details', async () => {
    const ok = await call(vald.insert.insert, vald.insert, insertRequest('g-1', vec(1)));
    assert.equal(ok.err, undefined, ok.err?.message);
    assert.deepEqual(ok.res!.toObject(), { name: 'items__hash-384', uuid: 'g-1', ipsList: [] });
    const again = await call(vald.insert.insert, vald.insert, insertRequest('g-1', vec(2)));
    assert.equal(codeOf(again), 6);
    const status = statusDetails(again.err!);
    assert.equal(status.code, 6);
    assert.deepEqual(status.details[0], { '@type': 'rpc.v1.ErrorInfo', reason: 'ALREADY_EXISTS', domain: 'vecflow' });
    const forced = await call(
      vald.insert.insert,
      vald.insert,
      insertRequest('g-1', vec(2), { skipStrictExistCheck: true }),
    );
    assert.equal(codeOf(forced), 0, 'skip_strict_exist_check writes over it');
  });

  it('answers INVALID_ARGUMENT with a BadRequest field violation for each kind of bad request', async () => {
    const cases: [string, number[], string][] = [
      ['', vec(1), 'vector.id'],
      ['nul\u0000id', vec(1), 'vector.id'],
      ['x'.repeat(5000), vec(1), 'vector.id'],
      ['short', vec(1).slice(0, 10), 'vector.vector'],
      ['nan', [...vec(1).slice(1), Number.NaN], `vector.vector[${DIM - 1}]`],
      ['inf', [Number.POSITIVE_INFINITY, ...vec(1).slice(1)], 'vector.vector[0]'],
      ['one', [1], 'vector.vector'],
    ];
    for (const [id, values, field] of cases) {
      const r = await call(vald.insert.insert, vald.insert, insertRequest(id, values));
      assert.equal(codeOf(r), 3, `${JSON.stringify(id.slice(0, 10))}: ${r.err?.message}`);
      const violation = statusDetails(r.err!).details.find((d) => d['@type'] === 'rpc.v1.BadRequest') as {
        fieldViolations: { field: string }[];
      };
      assert.deepEqual(
        violation.fieldViolations.map((v) => v.field),
        [field],
      );
    }
  });

  it('upserts and updates by the newest-timestamp rule: ALREADY_EXISTS, ABORTED, NOT_FOUND', async () => {
    const up = (v: number[], timestamp?: number) =>
      call(vald.upsert.upsert, vald.upsert, upsertRequest('g-up', v, { timestamp }));
    assert.equal(codeOf(await up(vec(3), 100)), 0);
    assert.equal(codeOf(await up(vec(3), 100)), 6, 'the same vector, not newer');
    assert.equal(codeOf(await up(vec(4), 50)), 10, 'older timestamp');
    assert.equal(codeOf(await up(vec(4), 200)), 0);
    const missing = await call(vald.update.update, vald.update, updateRequest('g-none', vec(1)));
    assert.equal(codeOf(missing), 5);
    assert.equal(
      codeOf(await call(vald.update.update, vald.update, updateRequest('g-up', vec(5), { timestamp: 300 }))),
      0,
    );
    const got = await call(vald.object.getObject, vald.object, vectorRequest('g-up'));
    assert.deepEqual(got.res!.getVectorList(), vec(5));
  });

  it('reads back bit-exact float32 vectors; Exists and GetObject answer NOT_FOUND for unknown ids', async () => {
    const values = [Math.fround(0.1), -0, Math.fround(1e-38), Math.fround(3.4e38), ...vec(9).slice(4)];
    assert.equal(codeOf(await call(vald.insert.insert, vald.insert, insertRequest('g-exact', values))), 0);
    const got = await call(vald.object.getObject, vald.object, vectorRequest('g-exact'));
    const bits = (a: number[]) => Buffer.from(Float32Array.from(a).buffer).toString('hex');
    assert.equal(bits(got.res!.getVectorList()), bits(values));
    assert.equal(got.res!.getId(), 'g-exact');
    const id = new payload.Object.ID();
    id.setId('g-exact');
    assert.equal((await call(vald.object.exists, vald.object, id)).res!.getId(), 'g-exact');
    id.setId('g-nothing');
    assert.equal(codeOf(await call(vald.object.exists, vald.object, id)), 5);
    assert.equal(codeOf(await call(vald.object.getObject, vald.object, vectorRequest('g-nothing'))), 5);
  });

  it('removes: a Location, then NOT_FOUND; a remove older than the stored write is ABORTED', async () => {
    assert.equal(
      codeOf(await call(vald.insert.insert, vald.insert, insertRequest('g-rm', vec(6), { timestamp: 500 }))),
      0,
    );
    assert.equal(codeOf(await call(vald.remove.remove, vald.remove, removeRequest('g-rm', 100))), 10);
    const ok = await call(vald.remove.remove, vald.remove, removeRequest('g-rm'));
    assert.equal(ok.res?.getUuid(), 'g-rm');
    assert.equal(codeOf(await call(vald.remove.remove, vald.remove, removeRequest('g-rm'))), 5);
  });
});

function vectorRequest(id: string) {
  const req = new payload.Object.VectorRequest();
  const oid = new payload.Object.ID();
  oid.setId(id);
  req.setId(oid);
  return req;
}
