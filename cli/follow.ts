import cliProgress from 'cli-progress';
import { type ApiTarget, CliError, EXIT, type Json, callApi } from './api-client.js';

// Follows a job through GET /api/v1/jobs/{id} until it ends: one progress line (phase, count,
// percentage and ETA once a total is known, rate), `retrying (attempt N): <error>` while an
// activity is being retried. Ctrl-C detaches (the job goes on; how to follow or cancel it is
// printed) or, with --cancel-on-interrupt, cancels the job and waits for it to stop.
export interface Progress {
  phase: string;
  done: number;
  /** Unknown (no percentage, no ETA) while null or 0. */
  total: number | null;
}

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Each kind's progress fields, from its state. */
export function progressOf(job: Json): Progress {
  const kind = String(job.kind ?? '');
  const phase = typeof job.phase === 'string' ? job.phase : kind;
  if ('rows_done' in job) return { phase, done: n(job.rows_done), total: n(job.rows_total) };
  if (kind === 'import') return { phase: 'importing', done: n(job.processed_rows), total: n(job.total_rows) };
  if (kind === 'export') return { phase: 'exporting', done: n(job.exported_vectors), total: n(job.total_vectors) };
  if (kind === 'reindex') return { phase, done: n(job.count), total: n(job.total) };
  if ('processed_count' in job) return { phase: kind, done: n(job.processed_count), total: n(job.total) };
  return { phase, done: n(job.progress ?? job.progress_percentage), total: 100 };
}

/** Until Temporal closes the workflow: its state may say failed a moment before it fails. */
export function isRunning(job: Json): boolean {
  return job.closed_at == null;
}

/** The exit code a finished job means (EXIT). */
export function exitCodeOf(job: Json): number {
  if (job.status === 'canceled') return EXIT.canceled;
  if (job.status !== 'done') return EXIT.failed;
  const failedItems = n(job.failed_rows) + n(job.failed_count) + n(job.failed);
  return failedItems > 0 ? EXIT.rowErrors : EXIT.done;
}

function line(p: Progress, job: Json, startedAt: number): string {
  const retry = (job.retrying as { attempt: number; last_error: string | null }[] | undefined)?.[0];
  const known = p.total !== null && p.total > 0;
  const secs = (Date.now() - startedAt) / 1000;
  const rate = secs > 1 ? p.done / secs : 0;
  const parts = [p.phase];
  if (known) {
    const pct = Math.min(100, Math.floor((p.done * 100) / p.total!));
    parts.push(`${pct}% | ${p.done}/${p.total}`);
  } else parts.push(`${p.done}`);
  if (rate > 0) parts.push(`${Math.round(rate)}/s`);
  if (known && rate > 0 && p.done < p.total!) parts.push(`ETA ${Math.ceil((p.total! - p.done) / rate)}s`);
  if (retry) parts.push(`retrying (attempt ${retry.attempt}): ${retry.last_error ?? 'no error recorded'}`);
  return parts.join(' | ');
}

export async function followJob(
  target: ApiTarget,
  id: string,
  options: { quiet?: boolean; cancelOnInterrupt?: boolean; intervalMs?: number } = {},
): Promise<Json> {
  const bar = options.quiet
    ? null
    : new cliProgress.SingleBar({
        format: (_o, _p, payload: { text: string }) => payload.text,
        noTTYOutput: true,
        notTTYSchedule: 5000,
        stream: process.stderr,
      });
  const startedAt = Date.now();
  let interrupted = false;
  let canceling = false;
  const onInterrupt = () => (interrupted = true);
  process.on('SIGINT', onInterrupt);
  console.error(`${id} started — Ctrl-C ${options.cancelOnInterrupt ? 'cancels it' : 'detaches (the job goes on)'}`);
  bar?.start(1, 0, { text: 'waiting for the first progress' });
  try {
    for (;;) {
      const job = await callApi(target, `/api/v1/jobs/${encodeURIComponent(id)}`);
      if (!isRunning(job)) {
        const p = progressOf(job);
        if (job.status === 'done' && p.total) p.done = p.total;
        bar?.update(0, { text: line({ ...p }, { ...job, retrying: [] }, startedAt) });
        bar?.stop();
        return job;
      }
      bar?.update(0, { text: line(progressOf(job), job, startedAt) });
      if (interrupted && !canceling) {
        bar?.stop();
        if (!options.cancelOnInterrupt)
          throw new CliError(
            `detached from ${id}; it goes on. Follow it: vecflow status ${id} --follow — cancel it: vecflow cancel ${id}`,
            EXIT.detached,
          );
        canceling = true;
        console.error(`canceling ${id}…`);
        await callApi(target, `/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      }
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
