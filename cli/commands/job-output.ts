import type { Command } from 'commander';
import { type ApiTarget, type Json, printJson } from '../api-client.js';
import { exitCodeOf, followJob } from '../follow.js';

// How every job command ends: followed to its end with a progress line (or left running with
// --detach), then a short human summary on stderr — or, with --json, only the API's JSON for
// the job on stdout — and the exit code its outcome means (README: Command line).
export interface FollowOpts {
  json?: boolean;
  detach?: boolean;
  cancelOnInterrupt?: boolean;
}

export const followOptions = (c: Command) =>
  c
    .option('--json', "print only the API's JSON for the job (stdout); human text goes to stderr", false)
    .option('--detach', 'start the job and exit at once (follow it with `vecflow status <id> --follow`)', false)
    .option('--cancel-on-interrupt', 'Ctrl-C cancels the job (default: Ctrl-C detaches, the job goes on)', false);

/** The first reasons a job gave for failed items (tasks, imports, reindex). */
function reasons(job: Json): string[] {
  const errors = (job.errors ?? job.failed_items ?? job.failures ?? []) as Json[];
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 5).map((e) => {
    const where =
      e.line !== undefined
        ? `line ${String(e.line)}`
        : e.row !== undefined
          ? `row ${String(e.row)}`
          : String(e.object_id ?? e.id ?? '');
    return `  ${where}: ${String(e.error ?? e.detail ?? e.reason ?? e.message ?? '')}`;
  });
}

export async function finishJob(
  target: ApiTarget,
  id: string,
  o: FollowOpts,
  summary: (job: Json) => string,
): Promise<void> {
  if (o.detach) {
    if (o.json) printJson({ id, status: 'processing' });
    console.error(`${id} started; follow it: vecflow status ${id} --follow — cancel it: vecflow cancel ${id}`);
    return;
  }
  const job = await followJob(target, id, { quiet: o.json, cancelOnInterrupt: o.cancelOnInterrupt });
  process.exitCode = exitCodeOf(job);
  if (o.json) return printJson(job);
  if (job.status === 'done') console.error(summary(job));
  else
    console.error(
      `${String(job.kind ?? 'job')} ${id}: ${String(job.status)}${job.detail ? ` — ${String(job.detail)}` : ''}`,
    );
  const why = reasons(job);
  if (why.length) console.error(['first reasons:', ...why].join('\n'));
}
