import { proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type * as activities from '../activities/index.js';
import type { ValdTimestampUpdate, ValdWriteInput } from '../activities/vald.js';
import type { TsOperator, ValdResult } from '../core/vald.js';
import { type ValdWriteState, valdRecordStateQuery, valdWriteStateQuery } from './defs.js';
import { labelJob, setJobStatus } from './job-attributes.js';

const retry = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 10 };
const { removeValdByTimestamp, updateValdTimestamp, flushValdCollection } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 minutes',
  retry,
});
// A batch of writes is quick (the worker's bulk path: thousands of vectors per second), so it
// runs as a local activity, in the same workflow task: one task round trip instead of three.
const local = proxyLocalActivities<activities.Activities>({ startToCloseTimeout: '2 minutes', retry });

/**
 * One Vald write request (or a multi request, or a chunk of a stream). Results come back
 * index-aligned; for staged requests they are staged too (null here). The API no longer starts
 * it (it applies writes itself and records them, valdWriteRecordWorkflow); kept, with its
 * activity, so runs started by an earlier version still complete.
 */
export async function valdWriteWorkflow(input: ValdWriteInput): Promise<ValdResult[] | null> {
  let status: ValdWriteState['status'] = 'processing';
  setHandler(valdWriteStateQuery, () => ({
    status,
    op: input.op,
    collection: input.collection,
    requests: input.staged?.items ?? input.requests?.length,
  }));
  labelJob(`vald-${input.op}`, input.collection, status);
  const results = await local.applyValdRequests(input);
  status = 'done';
  setJobStatus(status);
  return results;
}

export async function valdRemoveByTimestampWorkflow(input: {
  collection: string;
  conditions: { operator: TsOperator; timestamp: string }[];
}): Promise<ValdResult[]> {
  labelJob('vald-remove-by-timestamp', input.collection, 'processing');
  const results = await removeValdByTimestamp(input);
  setJobStatus('done');
  return results;
}

/** Vald UpdateTimestamp of one vector. */
export async function valdUpdateTimestampWorkflow(input: ValdTimestampUpdate): Promise<ValdResult> {
  labelJob('vald-update-timestamp', input.collection, 'processing');
  const result = await updateValdTimestamp(input);
  setJobStatus('done');
  return result;
}

/** Vald Flush: every vector of the collection removed. */
export async function valdFlushWorkflow(input: { collection: string }): Promise<{ removed: number }> {
  labelJob('vald-flush', input.collection, 'processing');
  const result = await flushValdCollection(input);
  setJobStatus('done');
  return result;
}

/**
 * The record of Vald writes the API applied straight to the store: their list is this run's
 * input (what was written, when, with what answer). Nothing to do but be recorded. `kind` names a
 * batch's operation (a Multi request or a stream chunk: vald-insert, …); without it the run
 * records single writes (vald-writes).
 */
export async function valdWriteRecordWorkflow(input: {
  journal: string;
  kind?: string;
  labelledAtStart?: boolean;
  entries: { op: string; collection: string; id: string; timestamp: string; result: string }[];
}): Promise<{ writes: number }> {
  const collections = [...new Set(input.entries.map((e) => e.collection))].sort();
  const results: Record<string, number> = {};
  for (const e of input.entries) results[e.result] = (results[e.result] ?? 0) + 1;
  setHandler(valdRecordStateQuery, () => ({
    status: 'done' as const,
    collections,
    requests: input.entries.length,
    results,
  }));
  // Records sent by this version are labelled at start (one visibility write less per record).
  if (!input.labelledAtStart) labelJob(input.kind ?? 'vald-writes', collections.join(','), 'done');
  return { writes: input.entries.length };
}
