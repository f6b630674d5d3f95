import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import type { ReindexInput, ReindexState } from '../../workflows/reindex/state.js';
import { cliConfig, cliTemporal, printJson } from '../context.js';
import { followJob } from '../follow.js';

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
    .action(
      async (opts: {
        source: string;
        dest: string;
        collection: string;
        deployAsBlue: boolean;
        waitOnConflict: boolean;
        taskId?: string;
        shards?: number;
        json: boolean;
      }) => {
        const config = cliConfig();
        const client = cliTemporal(config);
        const id = opts.taskId ?? randomUUID();
        try {
          const input: ReindexInput = {
            collection: opts.collection,
            source: { embedding_model_id: opts.source },
            dest: { embedding_model_id: opts.dest },
            deploy_as_blue: opts.deployAsBlue,
            wait_on_conflict: opts.waitOnConflict,
            created_at: new Date().toISOString(),
            ...(opts.shards ? { shards: opts.shards } : {}),
          };
          await client.workflow
            .start('reindexWorkflow', {
              workflowId: id,
              taskQueue: config.env.VECFLOW_TASK_QUEUE,
              args: [input],
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            })
            .catch((err) => {
              if ((err as Error).name !== 'WorkflowExecutionAlreadyStartedError') throw err;
            });
          if (!opts.json) console.error(`reindex ${id}: ${opts.collection} ${opts.source} → ${opts.dest}`);
          const { state, closed } = await followJob<ReindexState>(
            client,
            id,
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
        } finally {
          await client.connection.close();
        }
      },
    );
}
