import type { Command } from 'commander';
import { BackupService } from '../../api/backups/service.js';
import { BackupBody, RestoreBody, ScheduleBody, VerifyBody } from '../../api/backups/schemas.js';
import { parse } from '../../api/validate.js';
import type { QueryDefinition } from '@temporalio/common';
import { anyJobStateQuery, backupStateQuery, restoreStateQuery } from '../../workflows/defs.js';
import { rootMessage } from '../../workflows/failures.js';
import type { Client } from '@temporalio/client';
import { printJson, withApiDeps } from '../context.js';
import { followJob } from '../follow.js';
import { backupSummary, restoreSummary } from '../backup-report.js';

// backup, restore, verify, schedule and status: the same service the REST API uses, through
// Temporal, with a progress bar (rows, rows/s, ETA) from the workflow's state query.
type Opts = Record<string, unknown> & { json?: boolean };

const withService = <T>(fn: (service: BackupService, client: Client) => Promise<T>): Promise<T> =>
  withApiDeps((deps) => fn(new BackupService(deps), deps.temporal));

const repeat = (v: string, all: string[] = []) => [...all, v];

/** The LangChain options of backup and schedule create (the seed-004 scripts' flags). */
const langchainOptions = (c: Command) =>
  c
    .option(
      '--source <source>',
      'vecflow (its collections) or langchain (LangChain PGVector tables); default VECFLOW_BACKUP_SOURCE or vecflow',
    )
    .option('--include-event-summaries', 'langchain: also back up the event_summaries table')
    .option('--include-table <name>', 'langchain: also back up this table, every column (repeatable)', repeat)
    .option('--vector-format <format>', 'langchain: embeddings as pgvector text (default, as the seed) or float lists');
const langchainBody = (o: Opts) => ({
  source: o.source,
  include_tables: o.includeTable,
  include_event_summaries: o.includeEventSummaries,
  vector_format: o.vectorFormat,
});

const s3 = (o: Opts) => (o.s3Bucket ? { s3: { bucket: String(o.s3Bucket), prefix: String(o.s3Prefix ?? '') } } : {});

async function follow<S extends { rows_done: number; rows_total: number; phase: string; dry_run?: boolean }>(
  client: Client,
  id: string,
  query: QueryDefinition<S>,
  json: boolean | undefined,
): Promise<void> {
  const { state, closed } = await followJob(
    client,
    id,
    query,
    (s) => ({ value: s.rows_done ?? 0, total: s.rows_total ?? 0, label: s.phase ?? '' }),
    { quiet: json },
  );
  const failed = closed !== 'COMPLETED';
  const detail = failed
    ? await client.workflow
        .getHandle(id)
        .result()
        .then(() => null, rootMessage)
    : null;
  if (json) printJson({ ...state, status: failed ? 'failed' : 'done', ...(detail ? { detail } : {}) });
  else {
    const report = 'dry_run' in state ? restoreSummary(state) : failed ? null : backupSummary(state as never);
    if (report) console.error(report);
    console.error(`${id}: ${failed ? `failed — ${detail}` : 'done'}`);
  }
  process.exitCode = failed ? 1 : 0;
}

export function registerBackupCommands(program: Command): void {
  const location = (c: Command) =>
    c
      .option('--s3-bucket <bucket>', 'S3 bucket (S3_ENDPOINT for SeaweedFS/MinIO)')
      .option('--s3-prefix <prefix>', 'key prefix in the bucket', '')
      .option('--json', 'print the final job as JSON', false);

  location(
    langchainOptions(program.command('backup'))
      .description(
        'back up collections to zstd Parquet + export_manifest.json (a directory under the backup root and/or S3)',
      )
      .option('--output-dir <dir>', 'directory, relative to the backup root (VECFLOW_BACKUP_ROOT)')
      .option('--collections <names...>', 'only these collections (default: all)')
      .option('--batch-size <n>', 'rows per Parquet part', (v) => Number(v))
      .option('--overwrite', 'write into --output-dir even if it holds another backup (removed first)', false)
      .option('--id <id>', 'job id (default: generated)'),
  ).action((o: Opts) =>
    withService(async (service, client) => {
      const body = parse(
        BackupBody,
        {
          backup_id: o.id,
          output_dir: o.outputDir,
          collections: o.collections,
          batch_size: o.batchSize,
          overwrite: o.overwrite,
          ...langchainBody(o),
          ...s3(o),
        },
        'body',
      );
      const job = await service.backup(body);
      await follow(client, String(job.id), backupStateQuery, o.json);
    }),
  );

  location(
    program
      .command('restore')
      .description('restore a backup (checks sha256 per file, then counts and digests against the manifest)')
      .option('--input-dir <dir>', 'directory, relative to the backup root')
      .option('--collections <names...>', 'only these collections')
      .option('--dry-run', 'report what would be imported and write nothing', false)
      .option('--clear-existing', 'DESTRUCTIVE: drop and recreate each target collection first', false)
      .option('--model <id>', 'with --target vecflow: model for files that do not name one (the seed layout)')
      .option(
        '--target <target>',
        "auto (a LangChain backup into LangChain's tables, a vecflow one into vecflow), vecflow or langchain",
        'auto',
      )
      .option('--skip-event-summaries', "into LangChain's tables: leave event_summaries (every extra table) out", false)
      .option('--allow-unverified', 'restore files whose manifest entry has no sha256 (refused otherwise)', false)
      .option('--id <id>', 'job id (default: generated)'),
  ).action((o: Opts) =>
    withService(async (service, client) => {
      const body = parse(
        RestoreBody,
        {
          restore_id: o.id,
          input_dir: o.inputDir,
          collections: o.collections,
          dry_run: o.dryRun,
          clear_existing: o.clearExisting,
          model: o.model,
          target: o.target,
          skip_event_summaries: o.skipEventSummaries,
          allow_unverified: o.allowUnverified,
          ...s3(o),
        },
        'body',
      );
      const job = await service.restore(body);
      await follow(client, String(job.id), restoreStateQuery, o.json);
    }),
  );

  location(
    program
      .command('verify')
      .description("check a backup's files against its manifest without restoring")
      .option('--input-dir <dir>', 'directory, relative to the backup root'),
  ).action((o: Opts) =>
    withService(async (service) => {
      const { job } = await service.verify(
        parse(VerifyBody, { input_dir: o.inputDir, wait_seconds: 300, ...s3(o) }, 'body'),
      );
      printJson(job);
      process.exitCode = job.status === 'done' ? 0 : 1;
    }),
  );

  const schedule = program.command('schedule').description('backup schedules (Temporal Schedules, overlap SKIP)');
  location(
    langchainOptions(schedule.command('create'))
      .option('--id <id>', 'schedule id')
      .option('--cron <expr>', 'cron expression, e.g. "0 2 * * *"')
      .option('--interval <every>', 'interval, e.g. 6h or 1d')
      .option('--output-dir <dir>', 'base directory under the backup root; each run writes <dir>/<YYYYMMDD_HHMMSS>/')
      .option('--collections <names...>', 'only these collections')
      .option('--batch-size <n>', 'rows per part', (v) => Number(v))
      .option('--keep-last <n>', 'retention: keep the last N backups', (v) => Number(v))
      .option('--max-age-days <d>', 'retention: keep backups younger than D days', (v) => Number(v)),
  ).action((o: Opts) =>
    withService(async (service) => {
      const retention = {
        ...(o.keepLast !== undefined ? { keep_last: o.keepLast } : {}),
        ...(o.maxAgeDays !== undefined ? { max_age_days: o.maxAgeDays } : {}),
      };
      printJson(
        await service.createSchedule(
          parse(
            ScheduleBody,
            {
              schedule_id: o.id,
              cron: o.cron,
              interval: o.interval,
              output_dir: o.outputDir,
              collections: o.collections,
              batch_size: o.batchSize,
              ...langchainBody(o),
              retention,
              ...s3(o),
            },
            'body',
          ),
        ),
      );
    }),
  );
  schedule.command('list').action(() => withService(async (service) => printJson(await service.listSchedules())));
  schedule
    .command('delete <id>')
    .action((id: string) =>
      withService(async (service) => printJson(await service.deleteSchedule(id).then(() => ({ deleted: id })))),
    );
  schedule
    .command('trigger <id>')
    .action((id: string) => withService(async (service) => printJson(await service.triggerSchedule(id))));

  program
    .command('status <job>')
    .description("any vecflow job's status and state (task, reindex, backup, restore, …)")
    .action((id: string) =>
      withService(async (_service, client) => {
        const handle = client.workflow.getHandle(id);
        const desc = await handle.describe();
        const state = await handle.query(anyJobStateQuery).catch(() => null);
        printJson({
          id,
          type: desc.type,
          temporal_status: desc.status.name,
          started: desc.startTime,
          closed: desc.closeTime ?? null,
          state,
        });
        process.exitCode = ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(desc.status.name) ? 1 : 0;
      }),
    );
}
