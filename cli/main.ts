import { Command } from 'commander';
import { VERSION } from '../core/version.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerCollectionCommands } from './commands/collections.js';
import { registerDatasetCommands } from './commands/datasets.js';
import { registerReindexCommand } from './commands/reindex.js';
import { registerStackCommands } from './commands/stack.js';

// The `vecflow` command line. Job commands start workflows through Temporal, like the API.
const program = new Command();
program.name('vecflow').description('Durable vector-data operations on Temporal').version(VERSION);
registerStackCommands(program);
registerCollectionCommands(program);
registerReindexCommand(program);
registerBackupCommands(program);
registerDatasetCommands(program);

program.parseAsync(process.argv).catch((err) => {
  console.error(`vecflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
