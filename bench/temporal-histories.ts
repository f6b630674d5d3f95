import type { Client } from '@temporalio/client';

// What a job leaves in Temporal (bench:history): every run it produced — found through
// visibility (this stack's task queue, started since the job began) and by following the
// histories themselves (continue-as-new in both directions, child workflows) — with its number
// of history events and the largest payload any event carries. Heartbeat details appear in a
// history only when an attempt fails or times out, so they are sampled from the pending
// activities of the running executions while the job runs.

/** Runs of the hourly job-retention schedule: on the same task queue, but no job's. */
const NOT_A_JOBS = /^cleanup-jobs-/;

export interface RunFigures {
  workflowId: string;
  runId: string;
  events: number;
  /** The largest payload's byte length and the event (attribute) that carries it. */
  largest: number;
  largestIn: string;
}

export interface JobFigures {
  runs: RunFigures[];
  workflows: number;
  /** The run with the most events; the run with the largest payload. */
  mostEvents: RunFigures | null;
  biggest: RunFigures | null;
  /** Runs of the retention schedule that started in the window and were left out. */
  excluded: number;
}

/**
 * The largest `data` of any Payload (`{metadata, data}`) anywhere in a proto object: payloads of
 * inputs, results, signals, queries, memo, search attributes, headers, failures' details.
 */
export function largestPayload(v: unknown): number {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return 0;
  const o = v as { data?: unknown; metadata?: unknown };
  let max = o.data instanceof Uint8Array && o.metadata !== undefined ? o.data.length : 0;
  for (const x of Object.values(v)) max = Math.max(max, largestPayload(x));
  return max;
}

type Event = Record<string, unknown> & {
  workflowExecutionStartedEventAttributes?: { continuedExecutionRunId?: string | null } | null;
  workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null;
  childWorkflowExecutionStartedEventAttributes?: {
    workflowExecution?: { workflowId?: string | null; runId?: string | null } | null;
  } | null;
};

/** Which event it is: the name of its (only) `…EventAttributes` field. */
const eventName = (e: Event) =>
  (Object.keys(e).find((k) => k.endsWith('EventAttributes') && e[k]) ?? 'event').replace(/EventAttributes$/, '');

/** Reads one run's history: its figures and the runs it links to. */
async function readRun(client: Client, workflowId: string, runId: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = (history.events ?? []) as unknown as Event[];
  const run: RunFigures = { workflowId, runId, events: events.length, largest: 0, largestIn: '' };
  const links: [string, string][] = [];
  for (const e of events) {
    const size = largestPayload(e);
    if (size > run.largest) Object.assign(run, { largest: size, largestIn: eventName(e) });
    const previous = e.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    const next = e.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    const child = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
    if (previous) links.push([workflowId, previous]);
    if (next) links.push([workflowId, next]);
    if (child?.workflowId && child.runId) links.push([child.workflowId, child.runId]);
  }
  return { run, links };
}

const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;

/**
 * Every run of a job: those visibility lists on `taskQueue` started at or after `since`, the
 * latest run of each of `roots` (the job's own workflow ids), and everything their histories
 * link to.
 */
export async function jobHistories(client: Client, taskQueue: string, since: Date, roots: string[]) {
  const pending: [string, string][] = [];
  let excluded = 0;
  const query = `TaskQueue = ${quote(taskQueue)} AND StartTime >= ${quote(since.toISOString())}`;
  for await (const w of client.workflow.list({ query })) {
    if (NOT_A_JOBS.test(w.workflowId)) excluded++;
    else pending.push([w.workflowId, w.runId]);
  }
  for (const id of roots) pending.push([id, (await client.workflow.getHandle(id).describe()).runId]);
  const seen = new Map<string, RunFigures>();
  while (pending.length) {
    const [workflowId, runId] = pending.pop()!;
    if (seen.has(`${workflowId}\u0000${runId}`)) continue;
    const { run, links } = await readRun(client, workflowId, runId);
    seen.set(`${workflowId}\u0000${runId}`, run);
    pending.push(...links);
  }
  const runs = [...seen.values()];
  const top = (key: 'events' | 'largest') =>
    runs.reduce<RunFigures | null>((a, r) => (a && a[key] >= r[key] ? a : r), null);
  return {
    runs,
    workflows: new Set(runs.map((r) => r.workflowId)).size,
    mostEvents: top('events'),
    biggest: top('largest'),
    excluded,
  } satisfies JobFigures;
}

/**
 * Samples, every `everyMs`, the heartbeat details (and other payloads) of the pending
 * activities of every running execution on `taskQueue`; `stop()` returns the largest seen.
 */
export function heartbeatSampler(client: Client, taskQueue: string, everyMs = 2_000) {
  let largest = 0;
  let samples = 0;
  let stopped = false;
  const query = `TaskQueue = ${quote(taskQueue)} AND ExecutionStatus = 'Running'`;
  const loop = (async () => {
    while (!stopped) {
      try {
        for await (const w of client.workflow.list({ query })) {
          const desc = await client.workflow.getHandle(w.workflowId, w.runId).describe();
          largest = Math.max(largest, largestPayload(desc.raw.pendingActivities ?? []));
          samples++;
        }
      } catch {
        // an execution that closed between the list and its description: next round
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { largest, samples };
    },
  };
}

/** The runs by workflow, numbered ids grouped: `hist-reindex/shard-N: 64 workflows, 70 runs`. */
export function runGroups(runs: RunFigures[]): string {
  const groups = new Map<string, { workflows: Set<string>; runs: number }>();
  for (const r of runs) {
    const key = r.workflowId.replace(/(?<=[-/_])\d+$/, 'N');
    const g = groups.get(key) ?? { workflows: new Set<string>(), runs: 0 };
    g.workflows.add(r.workflowId);
    g.runs++;
    groups.set(key, g);
  }
  return [...groups]
    .map(
      ([key, g]) =>
        `${key} (${g.workflows.size > 1 ? `${g.workflows.size} workflows, ` : ''}${g.runs} run${g.runs > 1 ? 's' : ''})`,
    )
    .join(', ');
}
