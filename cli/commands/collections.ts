import type { Command } from 'commander';
import type { provisionCollectionWorkflow } from '../../workflows/index.js';
import { cliConfig, cliTemporal, printJson, withStore } from '../context.js';

export function registerCollectionCommands(program: Command): void {
  const collections = program.command('collections').description('the catalog: collections, their models and blue');
  collections
    .command('list')
    .description('list collections with their models and blue model')
    .action(async () => {
      const config = cliConfig();
      printJson(await withStore(config, (store) => store.catalog()));
    });
  collections
    .command('ensure <collection>')
    .description("create a collection's physical collection for a model, through a workflow")
    .requiredOption('--model <id>', 'embedding model id')
    .option('--blue', 'make this model the blue one', false)
    .action(async (collection: string, opts: { model: string; blue: boolean }) => {
      const config = cliConfig();
      const client = cliTemporal(config);
      try {
        const entry = await client.workflow.execute<typeof provisionCollectionWorkflow>('provisionCollectionWorkflow', {
          taskQueue: config.env.VECFLOW_TASK_QUEUE,
          workflowId: `provision-${collection}-${opts.model}`,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [{ collection, embedding_model_id: opts.model, deploy_as_blue: opts.blue }],
        });
        printJson(entry);
      } finally {
        await client.connection.close();
      }
    });
}
