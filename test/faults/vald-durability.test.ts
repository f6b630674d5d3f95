import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type NpmStart, npmStart } from '../helpers/npm-start.js';
import { descendants, waitUntil } from '../helpers/processes.js';
import { type ValdClients, call, insertRequest, payload, valdClients } from '../helpers/vald-node.js';

// Vald writes are answered once they are in the store, not once a workflow ran: on the stack as
// `npm start` runs it, a write (single or Multi) answered just before its worker (which owns the
// embedded store) or its API process is SIGKILLed is there after the restart, and its record
// reaches Temporal (valdWriteRecordWorkflow) — from the journal the killed API left behind.
const vec = (seed: number) => Array.from({ length: 384 }, (_, j) => Math.fround(Math.cos(seed * 7 + j)));

describe('Vald writes survive a killed worker or API', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vf-durable-'));
  let stack: NpmStart;
  let vald: ValdClients;
  let temporal: Client;
  beforeAll(async () => {
    stack = await npmStart(dataDir);
    await stack.ready();
    vald = valdClients(stack.grpcAddress);
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  afterAll(async () => {
    vald?.close();
    await temporal?.connection.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const child = (entry: string) =>
    descendants(stack.child.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry))!;
  const exists = async (id: string) => {
    const req = new payload.Object.ID();
    req.setId(id);
    return !(await call(vald.object.exists, vald.object, req)).err;
  };
  const insertThenKill = async (prefix: string, entry: string) => {
    for (let i = 0; i < 20; i++) {
      const r = await call(vald.insert.insert, vald.insert, insertRequest(`${prefix}-${i}`, vec(i)));
      assert.equal(r.err, undefined, r.err?.message);
    }
    const victim = child(entry);
    const last = await call(vald.insert.insert, vald.insert, insertRequest(`${prefix}-last`, vec(99)));
    process.kill(victim, 'SIGKILL'); // right after the answer
    assert.equal(last.err, undefined, last.err?.message);
    await waitUntil(() => child(entry) !== undefined && child(entry) !== victim, 60_000, `${entry} restarted`);
    await stack.ready();
    await waitUntil(() => exists(`${prefix}-last`).catch(() => false), 60_000, 'the gRPC API answering again');
    for (const id of [...Array.from({ length: 20 }, (_, i) => `${prefix}-${i}`), `${prefix}-last`])
      assert.ok(await exists(id), `${id} is in the store`);
  };
  const recorded = async (id: string, kind = 'vald-writes') => {
    for await (const wf of temporal.workflow.list({ query: `VecflowKind = '${kind}'` })) {
      const history = await temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const input = JSON.stringify(started?.input?.payloads?.map((p) => Buffer.from(p.data!).toString()) ?? []);
      if (input.includes(`\\"id\\":\\"${id}\\"`)) return true;
    }
    return false;
  };

  it('a write answered just before the worker is killed is in the store after its restart', async () => {
    await insertThenKill('w', 'worker/main');
    await waitUntil(() => recorded('w-last'), 30_000, 'the record of the write in Temporal');
  });

  it('a write answered just before the API is killed is in the store, and its record reaches Temporal', async () => {
    await insertThenKill('a', 'api/main');
    // The killed API's journal is sent by the next one once it is orphaned (10 s untouched).
    await waitUntil(() => recorded('a-last'), 60_000, 'the record of the write in Temporal');
  });

  it('a MultiInsert answered just before the worker is killed is in the store, recorded as its own workflow', async () => {
    const multi = new payload.Insert.MultiRequest();
    multi.setRequestsList(Array.from({ length: 500 }, (_, i) => insertRequest(`m-${i}`, vec(i))));
    const victim = child('worker/main');
    const r = await call(vald.insert.multiInsert, vald.insert, multi);
    process.kill(victim, 'SIGKILL'); // right after the answer
    assert.equal(r.err, undefined, r.err?.message);
    assert.equal(r.res!.getLocationsList().length, 500);
    await waitUntil(() => child('worker/main') !== undefined && child('worker/main') !== victim, 60_000, 'restart');
    await stack.ready();
    await waitUntil(() => exists('m-499').catch(() => false), 60_000, 'the gRPC API answering again');
    for (let i = 0; i < 500; i += 7) assert.ok(await exists(`m-${i}`), `m-${i} is in the store`);
    // Its record was started before the answer: there already, as a vald-insert workflow.
    assert.ok(await recorded('m-499', 'vald-insert'), 'the Multi recorded in Temporal');
  });
});
