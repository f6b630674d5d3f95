import type { Command } from 'commander';
import { CollectionService, ProvisionBody } from '../../api/collections/service.js';
import { parse } from '../../api/validate.js';
import { printJson, withApiDeps } from '../context.js';

export function registerCollectionCommands(program: Command): void {
  const collections = program.command('collections').description('the catalog: collections, their models and blue');
  collections
    .command('list')
    .description('list collections with their models and blue model')
    .action(() => withApiDeps(async (deps) => printJson(await new CollectionService(deps).list())));
  collections
    .command('ensure <collection>')
    .description("create a collection's physical collection for a model, through a workflow")
    .requiredOption('--model <id>', 'embedding model id')
    .option('--blue', 'make this model the blue one', false)
    .action((collection: string, opts: { model: string; blue: boolean }) =>
      withApiDeps(async (deps) => {
        const body = parse(
          ProvisionBody,
          { collection, embedding_model_id: opts.model, deploy_as_blue: opts.blue },
          'body',
        );
        printJson(await new CollectionService(deps).provision(body));
      }),
    );
}
