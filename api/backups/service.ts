import { ScheduleNotFoundError, ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import type { z } from 'zod';
import type { BackupLocation } from '../../core/backup.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { EVENT_SUMMARIES } from '../../core/langchain-backup.js';
import { VERSION } from '../../core/version.js';
import type { BackupInput } from '../../workflows/backup/backup.js';
import type { RestoreInput } from '../../workflows/backup/restore.js';
import type { ScheduledBackupInput } from '../../workflows/backup/scheduled.js';
import { backupStateQuery, restoreStateQuery, verifyStateQuery } from '../../workflows/defs.js';
import { rootMessage } from '../../workflows/failures.js';
import { scheduledBackupWorkflowId } from '../../workflows/ids.js';
import {
  backupWorkflow,
  restoreWorkflow,
  scheduledBackupWorkflow,
  verifyBackupWorkflow,
} from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';
import { NO_WORKER, createdAt, describeJob, jobStatus, newJobId, queryState, startOnce } from '../jobs.js';
import type { BackupBody, RestoreBody, ScheduleBody, VerifyBody } from './schemas.js';
import { assertBucketAllowed } from '../../core/config.js';
import { backupRoots, resolveBackupDir } from '../../core/backup-roots.js';

// Backup, restore, verify and backup schedules over Temporal. A directory in a request is
// resolved here to an absolute path inside a backup root, or refused before any job starts;
// the worker confines it to its own roots again.
export type BackupKind = 'backup' | 'restore' | 'verify';
const JOBS = {
  backup: { workflow: backupWorkflow, state: backupStateQuery },
  restore: { workflow: restoreWorkflow, state: restoreStateQuery },
  verify: { workflow: verifyBackupWorkflow, state: verifyStateQuery },
} as const;

/** The collections a job covers, as its VecflowCollection search attribute: `*` for all. */
const scope = (body: { collections?: string[] }) => body.collections?.join(',') || '*';

export class BackupService {
  constructor(private readonly deps: ApiDeps) {}

  async backup(body: z.infer<typeof BackupBody>): Promise<Record<string, unknown>> {
    if (body.s3) assertBucketAllowed(this.deps.config, body.s3.bucket);
    const id = body.backup_id ?? newJobId();
    const location: BackupLocation = {
      ...(body.output_dir ? { dir: this.dir(body.output_dir, 'output_dir') } : {}),
      ...(body.s3 ? { s3: body.s3 } : {}),
    };
    const input: BackupInput = {
      location,
      collections: body.collections,
      batch_size: body.batch_size,
      created_at: new Date().toISOString(),
      vecflow_version: VERSION,
      ...this.source(body),
      ...(body.overwrite ? { overwrite: true } : {}),
    };
    await startOnce(this.deps, backupWorkflow, { workflowId: id, input, kind: 'backup', collection: scope(body) });
    return this.get('backup', id);
  }

  /** A request's directory as the absolute path inside a backup root it names (400 otherwise). */
  private dir(dir: string, field: string): string {
    return resolveBackupDir(backupRoots(this.deps.config), dir, field);
  }

  /** The backup's source (the request's, else VECFLOW_BACKUP_SOURCE) and its LangChain options. */
  private source(
    body: z.infer<typeof BackupBody> | z.infer<typeof ScheduleBody>,
  ): Pick<BackupInput, 'source' | 'langchain'> {
    const source = body.source ?? this.deps.config.env.VECFLOW_BACKUP_SOURCE;
    if (source === 'vecflow') {
      if (body.include_tables || body.include_event_summaries !== undefined || body.vector_format)
        throw new ValidationError(
          'include_tables, include_event_summaries and vector_format apply to source "langchain" only',
          { field: 'source' },
        );
      return {};
    }
    const tables = [...(body.include_tables ?? []), ...(body.include_event_summaries ? [EVENT_SUMMARIES] : [])];
    return {
      source,
      langchain: {
        tables: [...new Set(tables)],
        include_event_summaries: tables.includes(EVENT_SUMMARIES),
        vector_format: body.vector_format ?? 'text',
      },
    };
  }

  async restore(body: z.infer<typeof RestoreBody>): Promise<Record<string, unknown>> {
    if (body.s3) assertBucketAllowed(this.deps.config, body.s3.bucket);
    const id = body.restore_id ?? newJobId();
    const from: BackupLocation = body.input_dir ? { dir: this.dir(body.input_dir, 'input_dir') } : { s3: body.s3! };
    const input: RestoreInput = {
      from,
      collections: body.collections,
      dry_run: body.dry_run,
      clear_existing: body.clear_existing,
      model: body.model,
      target: body.target,
      skip_tables: body.skip_event_summaries,
      ...(body.allow_unverified ? { allow_unverified: true } : {}),
      created_at: new Date().toISOString(),
    };
    await startOnce(this.deps, restoreWorkflow, { workflowId: id, input, kind: 'restore', collection: scope(body) });
    return this.get('restore', id);
  }

  /** Starts a verification and waits up to wait_seconds for its report. */
  async verify(body: z.infer<typeof VerifyBody>): Promise<{ finished: boolean; job: Record<string, unknown> }> {
    if (body.s3) assertBucketAllowed(this.deps.config, body.s3.bucket);
    const id = body.verify_id ?? newJobId();
    const from: BackupLocation = body.input_dir ? { dir: this.dir(body.input_dir, 'input_dir') } : { s3: body.s3! };
    const input = { from, created_at: new Date().toISOString() };
    await startOnce(this.deps, verifyBackupWorkflow, { workflowId: id, input, kind: 'verify', collection: '*' });
    const handle = this.deps.temporal.workflow.getHandle(id);
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      handle.result().then(
        () => true,
        (err) => err instanceof WorkflowFailedError,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), body.wait_seconds * 1000))),
    ]);
    clearTimeout(timer); // a pending timer would keep a CLI process alive for wait_seconds
    return { finished, job: await this.get('verify', id) };
  }

  async get(kind: BackupKind, id: string): Promise<Record<string, unknown>> {
    const job = JOBS[kind];
    const desc = await describeJob(this.deps.temporal, id, job.workflow);
    const state = await queryState<{ status: 'processing' | 'done' | 'failed' }>(this.deps.temporal, id, job.state);
    if (!state) return { id, status: jobStatus(desc, 'processing'), created_at: createdAt(desc), detail: NO_WORKER };
    let detail: string | undefined;
    if (desc.status.name === 'FAILED')
      detail = await this.deps.temporal.workflow
        .getHandle(id)
        .result()
        .then(() => undefined, rootMessage);
    return { id, ...state, status: jobStatus(desc, state.status), ...(detail ? { detail } : {}) };
  }

  async createSchedule(body: z.infer<typeof ScheduleBody>): Promise<Record<string, unknown>> {
    if (body.s3) assertBucketAllowed(this.deps.config, body.s3.bucket);
    const id = body.schedule_id ?? `backup-${newJobId()}`;
    const input: ScheduledBackupInput = {
      base: {
        ...(body.output_dir !== undefined ? { dir: this.dir(body.output_dir, 'output_dir') } : {}),
        ...(body.s3 ? { s3: body.s3 } : {}),
      },
      collections: body.collections,
      batch_size: body.batch_size,
      ...this.source(body),
      retention: body.retention,
      vecflow_version: VERSION,
      schedule_id: id,
    };
    await this.deps.temporal.schedule
      .create({
        scheduleId: id,
        spec: body.cron ? { cronExpressions: [body.cron] } : { intervals: [{ every: body.interval! as `${number}s` }] },
        action: {
          type: 'startWorkflow',
          workflowType: scheduledBackupWorkflow,
          taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
          args: [input],
          workflowId: scheduledBackupWorkflowId(id),
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        // As the user wrote it: Temporal describes a cron back as calendar specs.
        memo: { vecflow: 'backup-schedule', ...(body.cron ? { cron: body.cron } : { interval: body.interval }) },
      })
      .catch((err: unknown) => {
        // Temporal refuses a spec it cannot run (a cron it does not parse) with a TypeError.
        if (err instanceof TypeError)
          throw new ValidationError(`${body.cron ? 'cron' : 'interval'}: ${err.message}`, {
            field: body.cron ? 'cron' : 'interval',
          });
        throw err;
      });
    return this.describeSchedule(id);
  }

  async listSchedules(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const s of this.deps.temporal.schedule.list()) {
      // A schedule deleted between the listing and its description is left out, not an error.
      if (s.memo?.vecflow === 'backup-schedule')
        await this.describeSchedule(s.scheduleId).then(
          (d) => out.push(d),
          (err) => (err instanceof NotFoundError ? undefined : Promise.reject(err)),
        );
    }
    return out;
  }

  async describeSchedule(id: string): Promise<Record<string, unknown>> {
    try {
      const d = await this.deps.temporal.schedule.getHandle(id).describe();
      // Another deployment's schedules (its own task queue in the same namespace) are not ours.
      const action = d.action as { args?: unknown[]; taskQueue?: string };
      if (d.memo?.vecflow !== 'backup-schedule' || action.taskQueue !== this.deps.config.env.VECFLOW_TASK_QUEUE)
        throw new NotFoundError(`no backup schedule ${id}`);
      return {
        schedule_id: id,
        cron: (d.memo?.cron as string | undefined) ?? null,
        interval: (d.memo?.interval as string | undefined) ?? null,
        spec: d.spec,
        input: action.args?.[0],
        paused: d.state.paused,
        next_runs: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
        recent_runs: d.info.recentActions.map((a) => ({
          at: a.takenAt.toISOString(),
          workflow_id: a.action.workflow.workflowId,
        })),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new NotFoundError(`no backup schedule ${id}`);
      throw err;
    }
  }

  async deleteSchedule(id: string): Promise<void> {
    await this.describeSchedule(id);
    await this.deps.temporal.schedule.getHandle(id).delete();
  }

  async triggerSchedule(id: string): Promise<Record<string, unknown>> {
    await this.describeSchedule(id);
    await this.deps.temporal.schedule.getHandle(id).trigger(ScheduleOverlapPolicy.SKIP);
    return this.describeSchedule(id);
  }
}
