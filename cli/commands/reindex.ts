import type { Command } from 'commander';
import { apiTarget, callApi } from '../api-client.js';
import { type FollowOpts, finishJob, followOptions } from './job-output.js';

interface ReindexOptions extends FollowOpts {
  source: string;
  dest: string;
  collection: string;
  deployAsBlue: boolean;
  waitOnConflict: boolean;
  skipUnembeddable: boolean;
  taskId?: string;
  shards?: number;
}

export function registerReindexCommand(program: Command): void {
  followOptions(
    program
      .command('reindex')
      .description('reindex a collection from one embedding model to another, followed until it ends')
      .requiredOption('--source <model>', 'source embedding model id')
      .requiredOption('--dest <model>', 'destination embedding model id')
      .option('--collection <name>', 'collection', 'items')
      .option('--deploy-as-blue', 'switch blue to the destination when it succeeds and passes the quality gate', false)
      .option('--wait-on-conflict', 'wait for a running reindex of the collection instead of being refused', false)
      .option(
        '--skip-unembeddable',
        'reindex the items that have text; list (not fail) those written with only a vector',
        false,
      )
      .option('--task-id <id>', 'task id (default: generated); the same id again follows the existing task')
      .option('--shards <n>', 'number of shards (default: from the collection size)', (v) => Number(v)),
  ).action(async (o: ReindexOptions) => {
    const target = apiTarget();
    const started = await callApi(target, '/api/v1/internal/reindex-tasks/run', {
      body: {
        task_id: o.taskId,
        collection: o.collection,
        source: { embedding_model_id: o.source },
        dest: { embedding_model_id: o.dest },
        deploy_as_blue: o.deployAsBlue,
        wait_on_conflict: o.waitOnConflict,
        skip_unembeddable: o.skipUnembeddable,
        shards: o.shards,
      },
    });
    const id = String(started.id ?? started.task_id);
    if (!o.json) console.error(`reindex ${id}: ${o.collection} ${o.source} → ${o.dest}`);
    await finishJob(
      target,
      id,
      o,
      (j) =>
        `reindex ${id}: done — ${String(j.count)} items${j.skipped_count ? `, ${String(j.skipped_count)} skipped (no text to embed)` : ''}${j.switched ? `, blue is now ${o.dest}` : ''}`,
    );
  });
}
