import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import { acquireLockSignal, lockGrantedSignal, lockRefusedSignal, lockStateQuery, releaseLockSignal } from '../defs.js';

const { awaitWorkflowClose } = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '10s' },
});

export interface LockInput {
  collection: string;
  holder?: string | null;
  queue?: string[];
}

/**
 * One per collection (id `reindex-lock-<collection>`, plus `/<task queue>` off the default queue:
 * workflows/ids.ts): at most one reindex holds it. A waiting
 * reindex is queued and handed the lock by signal when the holder lets go and closes (at most
 * 2 s after letting go, if it has not closed by then); a holder that
 * ends in any way — even terminated, with no chance to release — is noticed by an activity
 * long-polling its result, so the lock never outlives it. Completes when idle.
 */
export async function reindexLockWorkflow(input: LockInput): Promise<void> {
  let holder: string | null = input.holder ?? null;
  const queue: string[] = [...(input.queue ?? [])];
  const outbox: { to: string; granted: boolean }[] = [];
  setHandler(lockStateQuery, () => ({ collection: input.collection, holder, queue }));
  if (holder) outbox.push({ to: holder, granted: true });

  setHandler(acquireLockSignal, ({ taskId, wait }) => {
    if (holder === taskId || queue.includes(taskId)) return; // a retried request
    if (holder === null) {
      holder = taskId;
      outbox.push({ to: taskId, granted: true });
    } else if (wait) queue.push(taskId);
    else outbox.push({ to: taskId, granted: false });
  });
  setHandler(releaseLockSignal, ({ taskId }) => {
    if (holder === taskId) holder = null;
    const i = queue.indexOf(taskId);
    if (i >= 0) queue.splice(i, 1);
  });

  let watching: { id: string; scope: CancellationScope; done: Promise<void> } | null = null;
  for (;;) {
    while (outbox.length) {
      const { to, granted } = outbox.shift()!;
      const handle = getExternalWorkflowHandle(to);
      // A requester that has already ended cannot be told; the watch below frees its lock.
      await (
        granted ? handle.signal(lockGrantedSignal) : handle.signal(lockRefusedSignal, { holder: holder ?? '' })
      ).catch(() => undefined);
    }
    if (watching && watching.id !== holder) {
      // A holder that let go is closing, and its watch ends by itself a moment later: cancelling
      // the watch at once let this workflow complete while the activity still finished, which the
      // worker logged as a warning ("Activity not found on completion") after every reindex.
      const watch = watching;
      let closed = false;
      const settle = () => (closed = true);
      void watch.done.then(settle, settle);
      if (patched('lock-waits-for-closing-holder')) await condition(() => closed, '2 seconds');
      if (!closed) watch.scope.cancel();
      await watch.done;
      watching = null;
    }
    if (holder === null && queue.length) {
      holder = queue.shift()!;
      outbox.push({ to: holder, granted: true });
      continue;
    }
    if (holder === null) return;
    if (!watching) {
      const id: string = holder;
      const scope = new CancellationScope();
      const done = scope
        .run(() => awaitWorkflowClose({ workflowId: id }))
        .then(
          () => {
            if (holder === id) holder = null;
          },
          (err) => {
            if (!isCancellation(err)) throw err;
          },
        );
      watching = { id, scope, done };
    }
    const current = holder;
    await condition(() => holder !== current || outbox.length > 0);
    if (workflowInfo().continueAsNewSuggested && outbox.length === 0) {
      watching?.scope.cancel();
      await watching?.done;
      await continueAsNew<typeof reindexLockWorkflow>({ collection: input.collection, holder, queue });
    }
  }
}
