import type { Command } from 'commander';
import { ReindexBody } from '../../api/reindex/schemas.js';
import { ReindexService } from '../../api/reindex/service.js';
import { parse } from '../../api/validate.js';
import { reindexStateQuery } from '../../workflows/defs.js';
import { printJson, withApiDeps } from '../context.js';
import { followJob } from '../follow.js';

interface ReindexOptions {
  source: string;
  dest: string;
  collection: string;
  deployAsBlue: boolean;
  waitOnConflict: boolean;
  taskId?: string;
  shards?: number;
  json: boolean;
}

export function registerReindexCommand(program: Command): void {
  program
    .command('reindex')
    .description('reindex a collection from one embedding model to another, with a progress bar until it ends')
    .requiredOption('--source <model>', 'source embedding model id')
    .requiredOption('--dest <model>', 'destination embedding model id')
    .option('--collection <name>', 'collection', 'items')
    .option('--deploy-as-blue', 'switch blue to the destination when it succeeds and passes the quality gate', false)
    .option('--wait-on-conflict', 'wait for a running reindex of the collection instead of being refused', false)
    .option('--task-id <id>', 'task id (default: generated); the same id again follows the existing task')
    .option('--shards <n>', 'number of shards (default: from the collection size)', (v) => Number(v))
    .option('--json', 'print the final task as JSON instead of a progress bar', false)
    .action((opts: ReindexOptions) =>
      // The API's own service: the same checks, search attributes and idempotent start.
      withApiDeps(async (deps) => {
        const body = parse(
          ReindexBody,
          {
            task_id: opts.taskId,
            collection: opts.collection,
            source: { embedding_model_id: opts.source },
            dest: { embedding_model_id: opts.dest },
            deploy_as_blue: opts.deployAsBlue,
            wait_on_conflict: opts.waitOnConflict,
            shards: opts.shards,
          },
          'body',
        );
        const id = String((await new ReindexService(deps).start(body)).id);
        if (!opts.json) console.error(`reindex ${id}: ${opts.collection} ${opts.source} → ${opts.dest}`);
        const { state, closed } = await followJob(
          deps.temporal,
          id,
          reindexStateQuery,
          (s) => ({ value: s.count, total: s.total, label: s.status === 'pending' ? 'waiting' : s.phase }),
          { quiet: opts.json },
        );
        const status = closed === 'COMPLETED' ? state.status : closed === 'CANCELLED' ? 'canceled' : 'failed';
        if (opts.json) printJson({ ...state, status });
        else
          console.error(
            `reindex ${id}: ${status}${state.detail ? ` — ${state.detail}` : ''}${state.switched ? ` (blue is now ${opts.dest})` : ''}`,
          );
        process.exitCode = status === 'done' ? 0 : 1;
      }),
    );
}
