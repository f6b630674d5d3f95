import { copyFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ExportBody } from '../../api/datasets/schemas.js';
import { DatasetService } from '../../api/datasets/service.js';
import { parse } from '../../api/validate.js';
import { exportStateQuery, importStateQuery } from '../../workflows/defs.js';
import type { Client } from '@temporalio/client';
import { printJson, withApiDeps } from '../context.js';
import { followJob } from '../follow.js';

// import and export: the REST API's service, through Temporal, with a progress bar. The file is
// copied into (or out of) the job's directory under the data dir, which the worker shares.
type Opts = Record<string, unknown> & { json?: boolean };

const withService = <T>(fn: (service: DatasetService, client: Client) => Promise<T>): Promise<T> =>
  withApiDeps((deps) => fn(new DatasetService(deps), deps.temporal));

export function registerDatasetCommands(program: Command): void {
  program
    .command('import <file>')
    .description(
      'import a CSV, JSON, JSONL or Parquet file into a dataset (exit 0: completed, 2: completed with errors, 1: failed)',
    )
    .requiredOption('--dataset <id>', 'dataset (collection); created when new')
    .option('--format <format>', 'csv | json | jsonl | parquet (default: from the name, else the content)')
    .option('--batch-size <n>', 'rows per write batch', '100')
    .option('--skip-existing', 'leave ids that exist untouched', false)
    .option('--embedding-model-id <id>', 'model of a new dataset')
    .option('--json', 'print the final job as JSON', false)
    .action((file: string, o: Opts) =>
      withService(async (service, client) => {
        const fields = {
          format: String(o.format ?? ''),
          batch_size: String(o.batchSize),
          skip_existing: String(!!o.skipExisting),
          embedding_model_id: String(o.embeddingModelId ?? ''),
        };
        const started = await service.importLocalFile(String(o.dataset), file, fields);
        const id = String(started.job_id);
        if (!o.json) console.error(`import ${id} started`);
        const { state: job } = await followJob(
          client,
          id,
          importStateQuery,
          (s) => ({ value: s.processed_rows ?? 0, total: s.total_rows ?? 0, label: 'import' }),
          { quiet: o.json },
        );
        if (o.json) printJson(job);
        else {
          console.error(
            `${id}: ${job.status} — ${job.successful_rows} imported, ${job.skipped_rows} skipped, ${job.failed_rows} failed${job.error ? ` (${job.error})` : ''}`,
          );
          for (const e of job.errors ?? [])
            console.error(`  ${'line' in e ? `line ${e.line}` : `row ${e.row}`}: ${e.error}`);
          if (job.dead_letter_url) console.error(`  all failed rows: GET ${job.dead_letter_url}`);
        }
        process.exitCode = job.status === 'completed' ? 0 : job.status === 'completed_with_errors' ? 2 : 1;
      }),
    );

  program
    .command('export')
    .description('export a dataset to a CSV, JSON, JSONL or Parquet file')
    .requiredOption('--dataset <id>', 'dataset (collection)')
    .requiredOption('--format <format>', 'csv | json | jsonl | parquet')
    .requiredOption('--output <file>', 'where to write the file')
    .option('--filters <json>', 'filter, e.g. \'{"category": "documents"}\' (metadata keys by name)')
    .option('--limit <n>', 'at most this many vectors', (v) => Number(v))
    .option('--json', 'print the final job as JSON', false)
    .action((o: Opts) =>
      withService(async (service, client) => {
        const body = parse(ExportBody, { format: o.format, limit: o.limit, filters: o.filters }, 'body');
        const started = await service.startExport(String(o.dataset), body);
        const id = String(started.job_id);
        const { state: job } = await followJob(
          client,
          id,
          exportStateQuery,
          (s) => ({ value: s.exported_vectors ?? 0, total: s.total_vectors ?? 0, label: 'export' }),
          { quiet: o.json },
        );
        if (job.status === 'completed') await copyFile((await service.exportFile(id)).file, String(o.output));
        if (o.json) printJson(job);
        else
          console.error(
            job.status === 'completed'
              ? `${id}: ${job.exported_vectors} vectors, ${job.file_size} bytes → ${o.output}`
              : `${id}: failed — ${job.error}`,
          );
        process.exitCode = job.status === 'completed' ? 0 : 1;
      }),
    );
}
