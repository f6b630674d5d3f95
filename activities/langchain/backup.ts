import path from 'node:path';
import { Context } from '@temporalio/activity';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { type PlannedFile, planFiles } from '../../core/langchain-backup.js';
import { collectionColumns, csvToParquet, fileColumnOf, type VectorFormat } from '../../datafiles/langchain-parquet.js';
import {
  type TableColumn,
  describeTable,
  embeddingColumns,
  embeddingSelect,
  lastKey,
  pageEnd,
  tableSelect,
} from '../../stores/langchain/sql.js';
import { quoteIdent } from '../../stores/postgres/db.js';
import {
  type LangchainLayout,
  collectionDimension,
  countRows,
  detectLayout,
  listCollections,
} from '../../stores/langchain/tables.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { langchainDatabase } from './database.js';

// Backup of LangChain's PGVector tables in the seed-004 layout: each collection file is read
// out by COPY in key-ranged CSV pages, streamed into DuckDB as they come, which writes zstd
// Parquet; a retried part rewrites its own file from its starting key.
const PAGE = 2000;

export interface LangchainPlannedCollection {
  name: string;
  uuid: string;
  cmetadata: string | null;
  dimension: number | null;
  rows: number;
}

export interface LangchainPlannedTable {
  name: string;
  rows: number;
  columns: TableColumn[];
  primary_key: string[];
}

export interface LangchainBackupPlan {
  layout: LangchainLayout;
  collections: LangchainPlannedCollection[];
  tables: LangchainPlannedTable[];
  files: PlannedFile[];
}

export interface LangchainFileResult {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** The last key written (collection parts): where the next part starts. */
  last: string | null;
}

export function langchainBackupActivities(ctx: ActivityContext) {
  const lc = () => langchainDatabase(ctx);
  return {
    /** What a backup will write, refused before anything is written if a name or file would clash. */
    async planLangchainBackup(input: {
      collections?: string[];
      tables: string[];
      batch_size?: number;
    }): Promise<LangchainBackupPlan> {
      const { db } = lc();
      const layout = await detectLayout(db);
      if (!layout)
        throw new NotFoundError(
          'no LangChain tables (langchain_pg_embedding) in the database; set VECFLOW_LANGCHAIN_DATABASE_URL in the worker to the one that has them',
        );
      const all = await listCollections(db);
      for (const name of input.collections ?? [])
        if (!all.some((c) => c.name === name))
          throw new NotFoundError(`no LangChain collection ${JSON.stringify(name)}`);
      const chosen = input.collections?.length ? all.filter((c) => input.collections!.includes(c.name)) : all;
      const collections: LangchainPlannedCollection[] = [];
      for (const c of chosen)
        collections.push({
          ...c,
          dimension: await collectionDimension(db, c.uuid),
          rows: await countRows(db, c.uuid),
        });
      const tables: LangchainPlannedTable[] = [];
      for (const name of [...new Set(input.tables)]) {
        const described = await describeTable(db, name);
        if (!described) throw new NotFoundError(`no table ${JSON.stringify(name)} in the LangChain database`);
        const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(name)}`);
        tables.push({ name, rows: n, ...described });
      }
      const files = planFiles(
        [
          ...collections.map((c) => ({ kind: 'collection' as const, name: c.name, rows: c.rows })),
          ...tables.map((t) => ({ kind: 'table' as const, name: t.name, rows: t.rows })),
        ],
        input.batch_size ?? Number.MAX_SAFE_INTEGER,
      );
      return { layout, collections, tables, files };
    },

    /**
     * One collection file: rows after `after` (null: from the start), `limit` of them (null:
     * every row left — the last part takes rows added since planning too).
     */
    async backupLangchainPart(input: {
      dir: string;
      layout: LangchainLayout;
      collection: { name: string; uuid: string };
      file: string;
      after: string | null;
      limit: number | null;
      vector_format: VectorFormat;
    }): Promise<LangchainFileResult> {
      const activity = Context.current();
      const database = lc();
      const keys = embeddingColumns(input.layout).slice(0, -3);
      let after = input.after;
      let rows = 0;
      // Each page is printed by the database as CSV while DuckDB writes the previous ones.
      async function* pages(): AsyncGenerator<Buffer> {
        for (;;) {
          const want = input.limit === null ? PAGE : Math.min(PAGE, input.limit - rows);
          if (want <= 0) return;
          const upTo = await pageEnd(database.db, input.layout, input.collection.uuid, after, want);
          const page = await database.copyOut(embeddingSelect(input.layout, input.collection.uuid, after, upTo), 'csv');
          if (upTo !== null) rows += want; // a page up to a key holds exactly `want` rows
          activity.heartbeat({ rows });
          yield page;
          if (upTo === null) {
            after = (await lastKey(database.db, input.layout, input.collection.uuid)) ?? after;
            return;
          }
          after = upTo;
        }
      }
      // Heartbeats go on while DuckDB finishes the Parquet file after the last page.
      const written = await keepAlive(() =>
        csvToParquet(pages(), collectionColumns(keys, input.vector_format), path.join(input.dir, input.file), {
          langchain_collection: input.collection.name,
          langchain_layout: input.layout,
        }),
      );
      return { name: input.file, ...written, last: after };
    },

    /** An extra table (event_summaries), whole, every column with its type. */
    async backupLangchainTable(input: { dir: string; table: string; file: string }): Promise<LangchainFileResult> {
      const database = lc();
      const described = await describeTable(database.db, input.table);
      if (!described) throw new ValidationError(`the table ${input.table} no longer exists`);
      const csv = async function* () {
        yield await database.copyOut(tableSelect(input.table, described.columns), 'csv');
      };
      const written = await keepAlive(() =>
        csvToParquet(csv(), described.columns.map(fileColumnOf), path.join(input.dir, input.file), {
          langchain_table: input.table,
        }),
      );
      return { name: input.file, ...written, last: null };
    },
  };
}
