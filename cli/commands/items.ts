import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, EXIT, type Json, apiTarget, callApi, printJson, readUserFile } from '../api-client.js';
import { type FollowOpts, finishJob, followOptions } from './job-output.js';

// Items from a shell: upsertion and deletion tasks (the Embedding Studio task API, followed like
// every job) and search. Files are read here and sent in the request.
const MAX_TASK_ITEMS = 100_000; // the task API's request limit (api/tasks/schemas.ts)

const readText = (file: string) => readUserFile(file, (f) => readFile(f, 'utf8'));

/** Task items from a JSON array or JSONL file of `{object_id, payload}`; errors name the line. */
export function parseItems(text: string, file: string): Json[] {
  const trimmed = text.trim();
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      items = JSON.parse(trimmed) as unknown[];
    } catch (err) {
      throw new CliError(`${file}: not a JSON array: ${(err as Error).message}`, EXIT.usage);
    }
  } else {
    items = [];
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        items.push(JSON.parse(line));
      } catch (err) {
        throw new CliError(`${file}:${i + 1}: not JSON: ${(err as Error).message}`, EXIT.usage);
      }
    });
  }
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new CliError(`${file}: item ${i + 1} is not an object ({object_id, payload})`, EXIT.usage);
  });
  if (items.length === 0) throw new CliError(`${file}: no items`, EXIT.usage);
  if (items.length > MAX_TASK_ITEMS)
    throw new CliError(
      `${file}: ${items.length} items; a task takes at most ${MAX_TASK_ITEMS} — split the file (or use vecflow import)`,
      EXIT.usage,
    );
  return items as Json[];
}

const taskSummary = (j: Json) =>
  `${String(j.kind)} ${String(j.id)}: ${String(j.processed_count)} of ${String(j.total)} items done, ${String(j.failed_count)} failed`;

export function registerItemCommands(program: Command): void {
  followOptions(
    program
      .command('upsert <file>')
      .description('an upsertion task from a JSON array or JSONL file of {object_id, payload} items')
      .option('--collection <name>', 'collection (default: the API default, items)')
      .option('--task-id <id>', 'task id (default: generated)'),
  ).action(async (file: string, o: FollowOpts & { collection?: string; taskId?: string }) => {
    const items = parseItems(await readText(file), file);
    const target = apiTarget();
    const started = await callApi(target, '/api/v1/embeddings/upsertion-tasks/run', {
      body: { task_id: o.taskId, collection: o.collection, items },
    });
    await finishJob(target, String(started.id ?? started.task_id), o, taskSummary);
  });

  followOptions(
    program
      .command('delete')
      .description('a deletion task: the objects with these ids (and their chunks)')
      .option('--ids <ids...>', 'object ids')
      .option('--file <file>', 'a file of object ids, one a line')
      .option('--collection <name>', 'collection (default: items)')
      .option('--task-id <id>', 'task id (default: generated)'),
  ).action(async (o: FollowOpts & { ids?: string[]; file?: string; collection?: string; taskId?: string }) => {
    const ids = [
      ...(o.ids ?? []),
      ...(o.file
        ? (await readText(o.file))
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
        : []),
    ];
    if (ids.length === 0) throw new CliError('give --ids or --file', EXIT.usage);
    const target = apiTarget();
    const started = await callApi(target, '/api/v1/embeddings/deletion-tasks/run', {
      body: { task_id: o.taskId, collection: o.collection, object_ids: ids },
    });
    await finishJob(target, String(started.id ?? started.task_id), o, taskSummary);
  });

  program
    .command('search [text]')
    .description('nearest neighbours by text (embedded with the model) or --vector-file (a JSON array of numbers)')
    .option('--vector-file <file>', 'a JSON array of numbers')
    .option('--collection <name>', 'collection', 'items')
    .option('--k <n>', 'how many', '10')
    .option('--model <id>', 'search this model instead of blue')
    .option('--filter <json>', 'a filter (see the filter language)')
    .option('--json', "print only the API's JSON", false)
    .action(
      async (
        text: string | undefined,
        o: { vectorFile?: string; collection: string; k: string; model?: string; filter?: string; json?: boolean },
      ) => {
        if ((text === undefined) === (o.vectorFile === undefined))
          throw new CliError('give the text to search for, or --vector-file (not both)', EXIT.usage);
        const vector = o.vectorFile ? (JSON.parse(await readText(o.vectorFile)) as number[]) : undefined;
        let filter: unknown;
        try {
          filter = o.filter ? JSON.parse(o.filter) : undefined;
        } catch (err) {
          throw new CliError(`--filter is not JSON: ${(err as Error).message}`, EXIT.usage);
        }
        const res = await callApi(apiTarget(), `/api/v1/collections/${encodeURIComponent(o.collection)}/search`, {
          body: { text, vector, k: Number(o.k), embedding_model_id: o.model, filter },
        });
        if (o.json) return printJson(res);
        const results = res.results as { id: string; score: number; payload: Json }[];
        if (!results.length) return console.log('no results');
        for (const r of results)
          console.log(`${r.score.toFixed(4)}  ${r.id}  ${JSON.stringify(r.payload).slice(0, 120)}`);
      },
    );
}
