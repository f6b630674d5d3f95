import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort } from '../../devstack/ports.js';
import { ROOT } from '../../devstack/tools.js';
import { descendants, waitUntil } from '../helpers/processes.js';
import { type ValdClients, call, insertRequest, payload, valdClients } from '../helpers/vald-node.js';

// Single Vald writes are answered once they are in the store, not once a workflow ran: on the
// stack as `npm start` runs it, a write answered just before its worker (which owns the
// embedded store) or its API process is SIGKILLed is there after the restart, and its record
// reaches Temporal (valdWriteRecordWorkflow) — from the journal the killed API left behind.
const vec = (seed: number) => Array.from({ length: 384 }, (_, j) => Math.fround(Math.cos(seed * 7 + j)));

describe('single Vald writes survive a killed worker or API', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vf-durable-'));
  let supervisor: ChildProcess;
  let vald: ValdClients;
  let temporal: Client;
  let url: string;
  beforeAll(async () => {
    const [port, grpcPort, temporalPort, uiPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      VECFLOW_GRPC_PORT: String(grpcPort),
      VECFLOW_TEMPORAL_PORT: String(temporalPort),
      VECFLOW_TEMPORAL_UI_PORT: String(uiPort),
      VECFLOW_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    };
    delete env.TEMPORAL_ADDRESS;
    supervisor = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    url = `http://127.0.0.1:${port}`;
    await ready();
    vald = valdClients(`127.0.0.1:${grpcPort}`);
    temporal = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${temporalPort}` }) });
  });
  afterAll(async () => {
    vald?.close();
    await temporal?.connection.close();
    if (supervisor) {
      const exited = new Promise((r) => supervisor.once('exit', r));
      supervisor.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ready = () =>
    waitUntil(async () => (await fetch(`${url}/ready`).catch(() => null))?.status === 200, 120_000, 'the stack');
  const child = (entry: string) =>
    descendants(supervisor.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry))!;
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
    await ready();
    await waitUntil(() => exists(`${prefix}-last`).catch(() => false), 60_000, 'the gRPC API answering again');
    for (const id of [...Array.from({ length: 20 }, (_, i) => `${prefix}-${i}`), `${prefix}-last`])
      assert.ok(await exists(id), `${id} is in the store`);
  };
  const recorded = async (id: string) => {
    for await (const wf of temporal.workflow.list({ query: `VecflowKind = 'vald-writes'` })) {
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
});
