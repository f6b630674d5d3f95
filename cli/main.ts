import { Command } from 'commander';
import { VERSION } from '../core/version.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerCollectionCommands } from './commands/collections.js';
import { registerDatasetCommands } from './commands/datasets.js';
import { registerItemCommands } from './commands/items.js';
import { registerJobCommands } from './commands/jobs.js';
import { registerValdCommands } from './commands/vald.js';
import { CliError, EXIT } from './api-client.js';
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
registerJobCommands(program);
registerItemCommands(program);
registerValdCommands(program);

// Exit codes (README: Command line): 0 done, 1 failed, 2 usage or configuration, 3 canceled,
// 4 completed with row errors, 130 detached by Ctrl-C.
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
});
program.parseAsync(process.argv).catch((err) => {
  console.error(`vecflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof CliError ? err.exitCode : EXIT.failed);
});
