import type { Command } from 'commander';
import { type ApiTarget, type Json, apiTarget, callApi, callerDir, printJson } from '../api-client.js';
import { backupSummary, restoreSummary, scheduleLine, verifySummary } from '../backup-report.js';
import { type FollowOpts, finishJob, followOptions } from './job-output.js';

// backup, restore, verify and schedules: requests to the API, then the job followed to its end
// (or left running with --detach). A relative --output-dir/--input-dir is the caller's own
// directory when the stack runs on this machine; the API refuses (exit 2) one outside its
// backup roots before any job starts.
type Opts = FollowOpts & Record<string, unknown>;

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
const location = (c: Command) =>
  c
    .option('--s3-bucket <bucket>', 'S3 bucket (S3_ENDPOINT for SeaweedFS/MinIO)')
    .option('--s3-prefix <prefix>', 'key prefix in the bucket', '');
const DIR_HELP = 'a directory in a backup root (VECFLOW_BACKUP_ROOTS); relative: from here, on the local stack';

async function startAndFollow(
  target: ApiTarget,
  route: string,
  body: Json,
  o: Opts,
  summary: (job: Json) => string,
): Promise<void> {
  const started = await callApi(target, route, { body });
  await finishJob(target, String(started.id), o, summary);
}

export function registerBackupCommands(program: Command): void {
  followOptions(
    location(
      langchainOptions(program.command('backup'))
        .description('back up collections to zstd Parquet + export_manifest.json (a directory and/or S3)')
        .option('--output-dir <dir>', DIR_HELP)
        .option('--collections <names...>', 'only these collections (default: all)')
        .option('--batch-size <n>', 'rows per Parquet part', (v) => Number(v))
        .option('--overwrite', 'write into --output-dir even if it holds another backup (removed first)', false)
        .option('--id <id>', 'job id (default: generated)'),
    ),
  ).action(async (o: Opts) => {
    const target = apiTarget();
    const body = {
      backup_id: o.id,
      output_dir: callerDir(target, o.outputDir as string | undefined),
      collections: o.collections,
      batch_size: o.batchSize,
      overwrite: o.overwrite,
      ...langchainBody(o),
      ...s3(o),
    };
    await startAndFollow(target, '/api/v1/backups', body, o, backupSummary);
  });

  followOptions(
    location(
      program
        .command('restore')
        .description('restore a backup (checks sha256 per file, then counts and digests against the manifest)')
        .option('--input-dir <dir>', DIR_HELP)
        .option('--collections <names...>', 'only these collections')
        .option('--dry-run', 'report what would be imported and write nothing', false)
        .option('--clear-existing', 'DESTRUCTIVE: drop and recreate each target collection first', false)
        .option('--model <id>', 'with --target vecflow: model for files that do not name one (the seed layout)')
        .option(
          '--target <target>',
          "auto (a LangChain backup into LangChain's tables, a vecflow one into vecflow), vecflow or langchain",
          'auto',
        )
        .option(
          '--skip-event-summaries',
          "into LangChain's tables: leave event_summaries (every extra table) out",
          false,
        )
        .option('--allow-unverified', 'restore files whose manifest entry has no sha256 (refused otherwise)', false)
        .option('--id <id>', 'job id (default: generated)'),
    ),
  ).action(async (o: Opts) => {
    const target = apiTarget();
    const body = {
      restore_id: o.id,
      input_dir: callerDir(target, o.inputDir as string | undefined),
      collections: o.collections,
      dry_run: o.dryRun,
      clear_existing: o.clearExisting,
      model: o.model,
      target: o.target,
      skip_event_summaries: o.skipEventSummaries,
      allow_unverified: o.allowUnverified,
      ...s3(o),
    };
    await startAndFollow(target, '/api/v1/restores', body, o, restoreSummary);
  });

  followOptions(
    location(
      program
        .command('verify')
        .description("check a backup's files against its manifest without restoring")
        .option('--input-dir <dir>', DIR_HELP),
    ),
  ).action(async (o: Opts) => {
    const target = apiTarget();
    const body = { input_dir: callerDir(target, o.inputDir as string | undefined), wait_seconds: 0, ...s3(o) };
    await startAndFollow(target, '/api/v1/backups/verify', body, o, verifySummary);
  });

  const schedule = program.command('schedule').description('backup schedules (Temporal Schedules, overlap SKIP)');
  location(
    langchainOptions(schedule.command('create'))
      .option('--id <id>', 'schedule id')
      .option('--cron <expr>', 'cron expression, e.g. "0 2 * * *"')
      .option('--interval <every>', 'interval, e.g. 6h or 1d')
      .option('--output-dir <dir>', `base directory: each run writes <dir>/<YYYYMMDD_HHMMSS>/ (${DIR_HELP})`)
      .option('--collections <names...>', 'only these collections')
      .option('--batch-size <n>', 'rows per part', (v) => Number(v))
      .option('--keep-last <n>', 'retention: keep the last N backups', (v) => Number(v))
      .option('--max-age-days <d>', 'retention: keep backups younger than D days', (v) => Number(v))
      .option('--json', 'print the API JSON', false),
  ).action(async (o: Opts) => {
    const target = apiTarget();
    const retention = {
      ...(o.keepLast !== undefined ? { keep_last: o.keepLast } : {}),
      ...(o.maxAgeDays !== undefined ? { max_age_days: o.maxAgeDays } : {}),
    };
    const created = await callApi(target, '/api/v1/backups/schedules', {
      body: {
        schedule_id: o.id,
        cron: o.cron,
        interval: o.interval,
        output_dir: callerDir(target, o.outputDir as string | undefined),
        collections: o.collections,
        batch_size: o.batchSize,
        ...langchainBody(o),
        retention,
        ...s3(o),
      },
    });
    if (o.json) printJson(created);
    else console.error(`created ${scheduleLine(created)}`);
  });
  schedule
    .command('list')
    .option('--json', 'print the API JSON', false)
    .action(async (o: Opts) => {
      const { schedules } = (await callApi(apiTarget(), '/api/v1/backups/schedules')) as { schedules: Json[] };
      if (o.json) printJson({ schedules });
      else console.log(schedules.length ? schedules.map(scheduleLine).join('\n') : 'no backup schedules');
    });
  schedule.command('delete <id>').action(async (id: string) => {
    await callApi(apiTarget(), `/api/v1/backups/schedules/${encodeURIComponent(id)}`, { method: 'DELETE' });
    console.error(`deleted schedule ${id}`);
  });
  schedule
    .command('trigger <id>')
    .option('--json', 'print the API JSON', false)
    .action(async (id: string, o: Opts) => {
      const s = await callApi(apiTarget(), `/api/v1/backups/schedules/${encodeURIComponent(id)}/trigger`, {
        method: 'POST',
      });
      if (o.json) printJson(s);
      else console.error(`triggered ${scheduleLine(s)}`);
    });
}
