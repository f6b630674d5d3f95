import type { Command } from 'commander';
import { runSupervisor } from '../../devstack/supervisor.js';
import { TEMPORAL, WEED, resolveTool } from '../../devstack/tools.js';

export function registerStackCommands(program: Command): void {
  program
    .command('start')
    .description('run the whole stack: Temporal dev server, embedded store, worker and API (what `npm start` runs)')
    .action(() => runSupervisor());
  program
    .command('worker')
    .description('run only the worker (expects TEMPORAL_ADDRESS or a Temporal on the default port)')
    .action(async () => {
      await import('../../worker/main.js');
    });
  program
    .command('store')
    .description(
      'run only the embedded store (PGlite) as a process of its own, for workers started with VECFLOW_EMBEDDED_STORE=shared',
    )
    .action(async () => {
      await import('../../worker/store-main.js');
    });
  program
    .command('api')
    .description('run only the HTTP API')
    .action(async () => {
      await import('../../api/main.js');
    });
  program
    .command('tools')
    .description('find or install the Temporal CLI and SeaweedFS into .tools/, printing their paths')
    .action(async () => {
      for (const tool of [TEMPORAL, WEED]) console.log(`${tool.bin}: ${await resolveTool(tool)}`);
    });
}
