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

  it('MultiInsert applies every valid request; a failure is one status naming each failed request', async () => {
    const all = new payload.Insert.MultiRequest();
    all.setRequestsList([insertRequest('m-1', vec(11)), insertRequest('m-2', vec(12))]);
    const ok = await call(vald.insert.multiInsert, vald.insert, all);
    assert.deepEqual(
      ok.res!.getLocationsList().map((l) => l.getUuid()),
      ['m-1', 'm-2'],
    );
    const mixed = new payload.Insert.MultiRequest();
    mixed.setRequestsList([insertRequest('m-3', vec(13)), insertRequest('m-1', vec(11)), insertRequest('m-4', [1, 2])]);
    const r = await call(vald.insert.multiInsert, vald.insert, mixed);
    assert.equal(codeOf(r), 6, r.err?.message);
    assert.match(
      r.err!.details,
      /^2 of 3 requests failed .*requests\[1\]: ALREADY_EXISTS.*requests\[2\]: INVALID_ARGUMENT/,
    );
    const details = statusDetails(r.err!).details;
    assert.deepEqual((details[0] as { metadata: Record<string, string> }).metadata, {
      'requests[1]': 'ALREADY_EXISTS',
      'requests[2]': 'INVALID_ARGUMENT',
    });
    assert.deepEqual(
      (details[1] as { fieldViolations: { field: string }[] }).fieldViolations.map((v) => v.field),
      ['requests[2].vector.vector'],
    );
    const id = new payload.Object.ID();
    id.setId('m-3');
    assert.equal(codeOf(await call(vald.object.exists, vald.object, id)), 0, 'the valid request was applied');
    // Each Multi is a workflow of its own, labelled as every job is.
    const runs: string[] = [];
    for await (const wf of stack.client.workflow.list({
      query: `VecflowKind = 'vald-insert' AND VecflowCollection = 'items' AND TaskQueue = '${stack.taskQueue}'`,
    }))
      runs.push(wf.workflowId);
    assert.ok(runs.length >= 2, `Multi runs in Temporal: ${runs}`);
  });

  it('StreamInsert of 10,000 requests, bad ones mixed in: one answer each, in order; the stream goes on', async () => {
    const N = 10_000;
    const stream = vald.insert.streamInsert();
    const answers: { uuid?: string; code?: number }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (m: InstanceType<typeof payload.Object.StreamLocation>) =>
        answers.push(m.hasLocation() ? { uuid: m.getLocation()!.getUuid() } : { code: m.getStatus()!.getCode() }),
      );
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    for (let i = 0; i < N; i++) {
      const bad = i % 97 === 5;
      const req = insertRequest(`st-${i}`, bad ? [1, 2, 3] : vec(i));
      if (!stream.write(req)) await new Promise((r) => stream.once('drain', r));
    }
    stream.end();
    await done;
    assert.equal(answers.length, N);
    for (let i = 0; i < N; i++) {
      if (i % 97 === 5) assert.deepEqual(answers[i], { code: 3 }, `answer ${i}`);
      else assert.deepEqual(answers[i], { uuid: `st-${i}` }, `answer ${i}`);
    }
    const stored = await stack.store.get(
      { collection: 'items', model: 'hash-384' },
      Array.from({ length: N }, (_, i) => `st-${i}`),
      false,
    );
    assert.equal(stored.length, N - Math.ceil((N - 5) / 97));
    // Chunks this large travel staged (binary, not through history): the vectors arrive bit-exact.
    const sample = Array.from({ length: 50 }, (_, k) => k * 199).filter((i) => i % 97 !== 5);
    const withVectors = await stack.store.get(
      { collection: 'items', model: 'hash-384' },
      sample.map((i) => `st-${i}`),
    );
    assert.equal(withVectors.length, sample.length);
    withVectors.forEach((p, k) => assert.deepEqual(p.vector, Float32Array.from(vec(sample[k])), p.id));
  });

  it('lets the newest timestamp win between concurrent writers', async () => {
    const order = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    await Promise.all(
      order.map((ts) => call(vald.upsert.upsert, vald.upsert, upsertRequest('race', vec(ts), { timestamp: ts }))),
    );
    const got = await call(vald.object.getObject, vald.object, vectorRequest('race'));
    assert.deepEqual(got.res!.getVectorList(), vec(20));
    const [p] = await stack.store.get({ collection: 'items', model: 'hash-384' }, ['race']);
    assert.equal(p.timestamp, 20n);
  });

  it('answers DEADLINE_EXCEEDED past a client deadline and CANCELLED to a cancel; a write is whole or absent', async () => {
    const late = await call(vald.insert.insert, vald.insert, insertRequest('dl-1', vec(21)), { deadlineMs: 1 });
    assert.equal(codeOf(late), 4);
    const stream = vald.insert.streamInsert();
    let seen = 0;
    const ended = new Promise<number>((resolve) => {
      stream.on('data', () => {
        if (++seen === 50) stream.cancel();
      });
      stream.on('error', (err: { code: number }) => resolve(err.code));
    });
    for (let i = 0; i < 2000; i++) stream.write(insertRequest(`cx-${i}`, vec(i)));
    assert.equal(await ended, 1, 'CANCELLED');
    // Whatever was written is whole: every stored vector is the one sent.
    const ids = ['dl-1', ...Array.from({ length: 2000 }, (_, i) => `cx-${i}`)];
    await new Promise((r) => setTimeout(r, 1000)); // writes in flight when the client left end on the server
    for (const p of await stack.store.get({ collection: 'items', model: 'hash-384' }, ids))
      assert.deepEqual(Array.from(p.vector), p.id === 'dl-1' ? vec(21) : vec(Number(p.id.slice(3))), p.id);
    const after = await call(vald.insert.insert, vald.insert, insertRequest('after-cancel', vec(1)));
    assert.equal(codeOf(after), 0, 'the server goes on');
  });

  it('addresses the collection named in metadata vecflow-collection', async () => {
    const made = await stack.api('/api/v1/internal/collections', {
      body: { collection: 'other', embedding_model_id: 'hash-256', deploy_as_blue: true },
    });
    assert.equal(made.status, 200);
    const v256 = vec(1).slice(0, 256);
    const ok = await call(vald.insert.insert, vald.insert, insertRequest('o-1', v256), {
      metadata: { 'vecflow-collection': 'other' },
    });
    assert.equal(ok.res?.getName(), 'other__hash-256', ok.err?.message);
    const missing = await call(vald.insert.insert, vald.insert, insertRequest('o-1', v256), {
      metadata: { 'vecflow-collection': 'nowhere' },
    });
    assert.equal(codeOf(missing), 5);
    const bad = await call(vald.insert.insert, vald.insert, insertRequest('o-1', v256), {
      metadata: { 'vecflow-collection': 'a/b' },
    });
    assert.equal(codeOf(bad), 3);
  });
});

function vectorRequest(id: string) {
  const req = new payload.Object.VectorRequest();
  const oid = new payload.Object.ID();
  oid.setId(id);
  req.setId(oid);
  return req;
}
