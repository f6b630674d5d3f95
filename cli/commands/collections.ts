import type { Command } from 'commander';
import { type Json, apiTarget, callApi, printJson } from '../api-client.js';

export function registerCollectionCommands(program: Command): void {
  const collections = program.command('collections').description('the catalog: collections, their models and blue');
  collections
    .command('list')
    .description('list collections with their models and blue model')
    .option('--json', "print only the API's JSON", false)
    .action(async (o: { json?: boolean }) => {
      const res = await callApi(apiTarget(), '/api/v1/collections');
      if (o.json) return printJson(res);
      const list = (res.collections ?? []) as Json[];
      if (!list.length) return console.log('no collections');
      for (const c of list) {
        const models = ((c.models ?? []) as Json[]).map((m) => `${String(m.model)} (${String(m.dimension)}-d)`);
        console.log(`${String(c.collection)}  blue ${String(c.blue ?? '-')}  models ${models.join(', ')}`);
      }
    });
  collections
    .command('ensure <collection>')
    .description("create a collection's physical collection for a model, through a workflow")
    .requiredOption('--model <id>', 'embedding model id')
    .option('--blue', 'make this model the blue one', false)
    .option('--json', "print only the API's JSON", false)
    .action(async (collection: string, o: { model: string; blue: boolean; json?: boolean }) => {
      const res = await callApi(apiTarget(), '/api/v1/internal/collections', {
        body: { collection, embedding_model_id: o.model, deploy_as_blue: o.blue },
      });
      if (o.json) printJson(res);
      else console.error(`${collection}: ${o.model} ready${o.blue ? ' (blue)' : ''}`);
    });
}
