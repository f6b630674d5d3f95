import type { Client, WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';
import cliProgress from 'cli-progress';

// Follows a job workflow from the command line: a progress bar (count, rate, ETA) fed by the
// workflow's `state` query until it closes; resolves with the final state and Temporal status.
export interface Progress {
  value: number;
  total: number;
  label: string;
}

export async function followJob<S>(
  client: Client,
  workflowId: string,
  query: QueryDefinition<S>,
  progress: (state: S) => Progress,
  options: { quiet?: boolean; intervalMs?: number } = {},
): Promise<{ state: S; closed: string }> {
  const handle: WorkflowHandle = client.workflow.getHandle(workflowId);
  const bar = options.quiet
    ? null
    : new cliProgress.SingleBar(
        {
          format: '{label} [{bar}] {percentage}% | {value}/{total} | {speed}/s | ETA {eta_formatted}',
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        cliProgress.Presets.shades_classic,
      );
  const started = Date.now();
  let barStarted = false;
  for (;;) {
    const desc = await handle.describe();
    const state = await handle.query(query);
    const p = progress(state);
    const speed = Math.round(p.value / Math.max(0.001, (Date.now() - started) / 1000));
    if (bar && !barStarted) {
      bar.start(Math.max(p.total, 1), p.value, { label: p.label, speed });
      barStarted = true;
    }
    bar?.setTotal(Math.max(p.total, 1));
    bar?.update(p.value, { label: p.label, speed });
    if (desc.status.name !== 'RUNNING') {
      bar?.stop();
      return { state, closed: desc.status.name };
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}
