import type { TestStack } from './stack.js';
import type { Json } from './json.js';

export const REINDEX = '/internal/reindex-tasks';

export async function startReindex(stack: TestStack, body: Record<string, unknown>): Promise<Json> {
  const res = await stack.api(`/api/v1${REINDEX}/run`, { body });
  if (res.status !== 200) throw new Error(`reindex start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every id of a physical collection, sorted. */
export async function allIds(stack: TestStack, ref: { collection: string; model: string }): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await stack.store.scan(ref, { cursor, limit: 2000, withVectors: false });
    ids.push(...page.points.map((p) => p.id));
    cursor = page.next;
  } while (cursor);
  return ids.sort();
}

/**
 * What is still running on the test's Temporal (every stack's): each open workflow's id, task
 * queue and pending activities — printed when a reindex does not end, to show where it waits.
 */
export async function openWorkflows(stack: TestStack): Promise<string> {
  const lines: string[] = [];
  for await (const wf of stack.client.workflow.list({ query: "ExecutionStatus='Running'" })) {
    const desc = await stack.client.workflow.getHandle(wf.workflowId, wf.runId).describe();
    const pending = (desc.raw.pendingActivities ?? []).map(
      (a) =>
        `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? 0}${a.lastFailure ? `: ${a.lastFailure.message}` : ''}`,
    );
    lines.push(
      `${wf.workflowId} [${wf.taskQueue}${wf.taskQueue === stack.taskQueue ? ', this stack' : ''}] ${pending.join('; ')}`,
    );
  }
  return lines.join('\n') || 'no open workflow';
}
