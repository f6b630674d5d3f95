import { ValidationError } from '../../core/errors.js';
import { postgresPool, storeTarget } from '../../stores/index.js';
import { CopyLangchainDatabase, type LangchainDatabase } from '../../stores/langchain/connection.js';
import { wireCopyRunner } from '../../stores/postgres/copy-runner.js';
import type { ActivityContext } from '../context.js';

// The database LangChain's tables are read from and restored into: VECFLOW_LANGCHAIN_DATABASE_URL
// when the worker has it, else the store's own Postgres (DATABASE_URL, or the embedded one).
// Chosen from the worker's environment only, so no credential ever enters a workflow's history.
const open = new WeakMap<ActivityContext, LangchainDatabase>();

export function langchainDatabase(ctx: ActivityContext): LangchainDatabase {
  let db = open.get(ctx);
  if (db) return db;
  const url = ctx.config.env.VECFLOW_LANGCHAIN_DATABASE_URL;
  const target = url ? { kind: 'postgres' as const, url } : storeTarget(ctx.config);
  if (target.kind === 'qdrant')
    throw new ValidationError(
      "the store is Qdrant: set VECFLOW_LANGCHAIN_DATABASE_URL in the worker's environment to the Postgres that holds LangChain's tables",
    );
  if (target.kind === 'embedded' && !ctx.embedded)
    throw new ValidationError(
      'LangChain jobs on the embedded database need its bulk path: run them in the worker that owns it or one sharing the store process (VECFLOW_EMBEDDED_STORE=shared)',
    );
  const pool = postgresPool(target, 2);
  db = new CopyLangchainDatabase(pool, target.kind === 'embedded' ? ctx.embedded! : wireCopyRunner(pool));
  open.set(ctx, db);
  return db;
}
