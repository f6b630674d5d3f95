import { createWriteStream, openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { CliError, EXIT, type Json, apiTarget, callApi, readUserFile } from '../api-client.js';
import { type FollowOpts, finishJob, followOptions } from './job-output.js';

// import and export through the API: the file is uploaded (multipart) and the export
// downloaded, so the CLI needs no disk shared with the worker and works against a remote stack.
type Opts = FollowOpts & Record<string, unknown>;

export function registerDatasetCommands(program: Command): void {
  followOptions(
    program
      .command('import <file>')
      .description('import a CSV, JSON, JSONL or Parquet file into a dataset (exit 4: completed with row errors)')
      .requiredOption('--dataset <id>', 'dataset (collection); created when new')
      .option('--format <format>', 'csv | json | jsonl | parquet (default: from the name, else the content)')
      .option('--batch-size <n>', 'rows per write batch', '100')
      .option('--skip-existing', 'leave ids that exist untouched', false)
      .option('--embedding-model-id <id>', 'model of a new dataset'),
  ).action(async (file: string, o: Opts) => {
    const target = apiTarget();
    const blob = await readUserFile(file, async (f) => {
      // stat first: openAsBlob's own error does not say why (ENOENT, EACCES, EISDIR).
      if (!(await stat(f)).isFile()) throw Object.assign(new Error('not a file'), { code: 'not a file' });
      return openAsBlob(f);
    });
    const form = new FormData();
    if (o.format) form.append('format', String(o.format));
    form.append('batch_size', String(o.batchSize));
    form.append('skip_existing', String(!!o.skipExisting));
    if (o.embeddingModelId) form.append('embedding_model_id', String(o.embeddingModelId));
    form.append('file', blob, path.basename(file));
    const started = await callApi(target, `/api/v1/datasets/${encodeURIComponent(String(o.dataset))}/import`, {
      form,
    });
    await finishJob(
      target,
      String(started.job_id),
      o,
      (j: Json) =>
        `import ${String(j.id)}: ${String(j.successful_rows)} imported, ${String(j.skipped_rows)} skipped, ${String(j.failed_rows)} failed${j.dead_letter_url ? ` — all failed rows: GET ${String(j.dead_letter_url)}` : ''}`,
    );
  });

  followOptions(
    program
      .command('export')
      .description('export a dataset to a CSV, JSON, JSONL or Parquet file')
      .requiredOption('--dataset <id>', 'dataset (collection)')
      .requiredOption('--format <format>', 'csv | json | jsonl | parquet')
      .requiredOption('--output <file>', 'where to write the file')
      .option('--filters <json>', 'filter, e.g. \'{"category": "documents"}\' (metadata keys by name)')
      .option('--limit <n>', 'at most this many vectors', (v) => Number(v)),
  ).action(async (o: Opts) => {
    const target = apiTarget();
    const started = await callApi(target, `/api/v1/datasets/${encodeURIComponent(String(o.dataset))}/export`, {
      body: { format: o.format, limit: o.limit, filters: o.filters },
    });
    const id = String(started.job_id);
    const output = path.resolve(String(o.output));
    await finishJob(
      target,
      id,
      { ...o, detach: false },
      (j) => `export ${id}: ${String(j.exported_vectors)} vectors → ${output}`,
    );
    if (process.exitCode) return;
    const res = await fetch(`${target.url}/api/v1/export/${encodeURIComponent(id)}/download`, {
      headers: target.key ? { authorization: `ApiKey ${target.key}` } : {},
    });
    if (!res.ok || !res.body)
      throw new CliError(`download of ${id} failed: ${res.status} ${await res.text()}`, EXIT.failed);
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(output));
  });
}
