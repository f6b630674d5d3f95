import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type NpmStart, npmStart } from '../helpers/npm-start.js';
import { descendants, waitUntil } from '../helpers/processes.js';

// `npm start` with VECFLOW_WORKERS=3: the embedded store runs as a process of its own, three
// workers share it (bulk path through its service). A reindex's shards spread over the workers;
// the worker running one of them is SIGKILLed mid-run; the job ends with exact counts, and the
// histories name which worker ran what.
const N = 6000;
const TASK = 'workers-kill-reindex';

describe('several workers sharing the embedded store, one SIGKILLed mid-reindex', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'vf-workers-'));
  let stack: NpmStart;
  let temporal: Client;
  beforeAll(async () => {
    stack = await npmStart(dataDir, { VECFLOW_WORKERS: '3' });
    await stack.ready();
    temporal = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  });
  afterAll(async () => {
    await temporal?.connection.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON from the API
  const api = async (p: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(stack.url + p, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const processesRunning = (file: string) =>
    descendants(stack.child.pid!).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file);
      } catch {
        return false;
      }
    });
  const waitFor = async (route: string, done: (b: { status: string }) => boolean, what: string) => {
    let last: { status: string } | undefined;
    await waitUntil(
      async () => {
        last = (await api(route).catch(() => null))?.body;
        return last !== undefined && done(last);
      },
      600_000,
      what,
    );
    return last!;
  };

  it('runs three workers and one store process', () => {
    assert.equal(processesRunning('worker/main').length, 3, stack.output());
    assert.equal(processesRunning('worker/store-main').length, 1, stack.output());
  });

  it('spreads the shards, survives a killed worker and counts exactly', async () => {
    const items = Array.from({ length: N }, (_, i) => ({ object_id: `w-${i}`, payload: { title: `item ${i}` } }));
    const seeded = await api('/api/v1/embeddings/upsertion-tasks/run', { task_id: 'workers-seed', items });
    assert.equal(seeded.status, 200, JSON.stringify(seeded.body));
    await waitFor('/api/v1/embeddings/upsertion-tasks/workers-seed', (t) => t.status === 'done', 'the seed task');

    const started = await api('/api/v1/internal/reindex-tasks/run', {
      task_id: TASK,
      source: { embedding_model_id: 'hash-384' },
      dest: { embedding_model_id: 'hash-256' },
      deploy_as_blue: true,
      shards: 6,
      max_parallel: 3,
      page_size: 25,
    });
    assert.ok(started.status < 300, JSON.stringify(started.body));
    await waitFor(
      `/api/v1/internal/reindex-tasks/${TASK}`,
      (t) => (t as { count?: number }).count! >= 900,
      '900 items',
    );

    // The victim: the worker running a shard's activity right now, named by Temporal itself.
    const STARTED = 2; // temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
    let victim: string | undefined;
    await waitUntil(
      async () => {
        for (let shard = 0; shard < 6 && !victim; shard++) {
          const d = await temporal.workflow
            .getHandle(`${TASK}/shard-${shard}`)
            .describe()
            .catch(() => null);
          // Started, not scheduled: a scheduled retry still names the worker of its last attempt.
          victim =
            d?.raw.pendingActivities?.find((a) => a.state === STARTED && a.lastWorkerIdentity)?.lastWorkerIdentity ??
            undefined;
        }
        return victim !== undefined;
      },
      60_000,
      'a shard activity running on some worker',
    );
    const pid = Number(victim!.split('@')[0]);
    assert.ok(processesRunning('worker/main').includes(pid), `${victim} is one of the workers`);
    process.kill(pid, 'SIGKILL');
    // Whether the kill cut an activity short: Temporal still has one running on the victim (the
    // one named above can also have completed between the look and the kill, and no other started).
    let interrupted = false;
    for (let shard = 0; shard < 6; shard++) {
      const d = await temporal.workflow
        .getHandle(`${TASK}/shard-${shard}`)
        .describe()
        .catch(() => null); // a shard not started yet
      interrupted ||= (d?.raw.pendingActivities ?? []).some((a) => a.lastWorkerIdentity === victim);
    }

    const done = await waitFor(
      `/api/v1/internal/reindex-tasks/${TASK}`,
      (t) => ['done', 'failed', 'canceled'].includes(t.status),
      'the reindex',
    );
    const job = done as { status: string; total: number; count: number; failed_count: number; children: string[] };
    assert.equal(job.status, 'done', JSON.stringify(done).slice(0, 400));
    assert.deepEqual([job.total, job.count, job.failed_count], [N, N, 0], 'every item counted exactly once');

    // Which worker ran what, from the histories: more than one worker ran shards, the victim among
    // them, and some activity it had started was retried elsewhere.
    const ranBy = new Map<string, number>();
    let resumedElsewhere = 0;
    for (const child of job.children) {
      const history = await temporal.workflow.getHandle(child).fetchHistory();
      for (const e of history.events ?? []) {
        const s = e.activityTaskStartedEventAttributes;
        if (!s?.identity) continue;
        ranBy.set(s.identity, (ranBy.get(s.identity) ?? 0) + 1);
        if ((s.attempt ?? 1) > 1 && s.identity !== victim) resumedElsewhere++;
      }
    }
    console.log(`[workers] activities started per worker: ${JSON.stringify(Object.fromEntries(ranBy))}`);
    assert.ok(ranBy.size >= 2, `shards ran on ${ranBy.size} worker(s)`);
    // (The victim need not appear among the identities: Temporal records an activity's start
    // when it ends, with its last attempt's worker — if the killed activity was the victim's
    // first, only its retry elsewhere is in the history. Temporal named it running one above.)
    if (interrupted) assert.ok(resumedElsewhere > 0, "the killed worker's activity resumed on another worker");
    else
      console.log(
        `[workers] no activity was running on the victim when it was killed (retries elsewhere: ${resumedElsewhere})`,
      );

    // The new blue holds every item once: an export of the collection counts them.
    const exp = await api('/api/v1/datasets/items/export', { format: 'jsonl' });
    assert.equal(exp.status, 200, JSON.stringify(exp.body));
    const exported = await waitFor(
      `/api/v1/export/${exp.body.job_id}`,
      (j) => j.status === 'completed' || j.status === 'failed',
      'the export',
    );
    assert.equal((exported as { exported_vectors?: number }).exported_vectors, N, JSON.stringify(exported));
  });
});
