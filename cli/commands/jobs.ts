import type { Command } from 'commander';
import { type Json, apiTarget, callApi, printJson } from '../api-client.js';
import { exitCodeOf } from '../follow.js';
import { type FollowOpts, finishJob } from './job-output.js';

// Any job by id, whatever its kind: status (optionally followed), cancel, and the list.
const line = (j: Json) =>
  `${String(j.id)}  ${String(j.kind ?? '-')}  ${String(j.status)}  ${String(j.collection ?? '-')}  ${String(j.created_at)}`;

export function registerJobCommands(program: Command): void {
  program
    .command('status <job>')
    .description("any job's status and progress (backup, restore, import, export, reindex, tasks, …)")
    .option('--follow', 'follow it to its end with a progress line', false)
    .option('--json', "print only the API's JSON for the job", false)
    .action(async (id: string, o: FollowOpts & { follow?: boolean }) => {
      const target = apiTarget();
      if (o.follow) return finishJob(target, id, o, (j) => `${String(j.kind)} ${id}: done`);
      const job = await callApi(target, `/api/v1/jobs/${encodeURIComponent(id)}`);
      if (o.json) printJson(job);
      else
        console.log(`${String(job.kind)} ${id}: ${String(job.status)}${job.detail ? ` — ${String(job.detail)}` : ''}`);
      process.exitCode = ['pending', 'processing', 'running'].includes(String(job.status)) ? 0 : exitCodeOf(job);
    });

  program
    .command('cancel <job>')
    .description('cancel a running job of any kind')
    .option('--json', "print only the API's JSON for the job", false)
    .action(async (id: string, o: FollowOpts) => {
      const job = await callApi(apiTarget(), `/api/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
      if (o.json) printJson(job);
      else console.error(`${String(job.kind)} ${id}: cancel requested; it ends canceled at its next step`);
    });

  program
    .command('jobs')
    .description('jobs of every kind, newest first')
    .command('list')
    .option('--kind <kind>', 'only this kind (VecflowKind: backup, restore, import, export, reindex, upsertion, …)')
    .option('--status <status>', 'only this status (pending, processing, done, failed, canceled, refused)')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', "print only the API's JSON", false)
    .action(async (o: { kind?: string; status?: string; limit: string; json?: boolean }) => {
      const q = new URLSearchParams({
        limit: o.limit,
        ...(o.kind ? { kind: o.kind } : {}),
        ...(o.status ? { status: o.status } : {}),
      });
      const res = await callApi(apiTarget(), `/api/v1/jobs?${q}`);
      if (o.json) return printJson(res);
      const jobs = res.jobs as Json[];
      console.log(jobs.length ? jobs.map(line).join('\n') : 'no jobs');
    });
}
