import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ConflictError, ValidationError } from '../../core/errors.js';
import { textSettings } from '../../core/items.js';
import type { TableColumn } from '../../core/langchain-backup.js';
import { asText, parquetColumns, parquetPages, toCsv } from '../../datafiles/langchain-parquet.js';
import { type TextVectorRows, encodeTextVectorRows } from '../../stores/langchain/copy-binary.js';
import {
  STAGE,
  createSchemaSql,
  createTableSql,
  describeTable,
  mergeEmbeddingsSql,
  mergeTableSql,
  stageSql,
  uuidLiteral,
} from '../../stores/langchain/sql.js';
import {
  COLLECTION_TABLE,
  EMBEDDING_TABLE,
  type LangchainLayout,
  collectionDimension,
  detectLayout,
  listCollections,
} from '../../stores/langchain/tables.js';
import { quoteIdent } from '../../stores/postgres/db.js';
import type { ActivityContext } from '../context.js';
import { langchainDatabase } from './database.js';
import type { FileLayout, LangchainRestoreCollection, LangchainRestoreTable } from './restore-plan.js';
import { type CollectionRead, collectionRead, pgTypeOfParquet } from './restore-columns.js';
import { type DirectLoad, directLoad } from './restore-direct.js';
import { isIntegrityError, sqlStateClass } from '../../stores/postgres/db.js';

// Restore into LangChain's tables: checked before anything is written (dimensions), then the
// schema and collection rows made (kept uuid and cmetadata), optionally cleared, and each file
// loaded by COPY into a staging table and merged by key — a restore run twice gives the same rows.
const PAGE = 5000;

export interface LangchainTarget {
  layout: LangchainLayout;
  /** The cmetadata column's type (json or jsonb): staged JSON text is cast to it. */
  metadata_type: string;
  uuids: Record<string, string>;
}

export function langchainRestoreActivities(ctx: ActivityContext) {
  const lc = () => langchainDatabase(ctx);
  return {
    /**
     * Read-only: refuses a collection whose vectors' dimension differs from the database's
     * (an existing collection's, or a declared `vector(n)` column), naming both.
     */
    async checkLangchainTarget(input: {
      collections: Pick<LangchainRestoreCollection, 'name' | 'dimension'>[];
    }): Promise<{
      layout: LangchainLayout | null;
      existing: { name: string; rows: number }[];
    }> {
      const { db } = lc();
      const layout = await detectLayout(db);
      if (!layout) return { layout: null, existing: [] };
      const all = await listCollections(db);
      const [declared] = await db.query<{ typmod: number }>(
        `SELECT atttypmod AS typmod FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'embedding'`,
        [EMBEDDING_TABLE],
      );
      const clashes: string[] = [];
      const existing: { name: string; rows: number }[] = [];
      for (const c of input.collections) {
        if (c.dimension === null) continue;
        if (declared && declared.typmod > 0 && declared.typmod !== c.dimension)
          clashes.push(
            `${JSON.stringify(c.name)}: the backup's vectors have ${c.dimension} dimensions, ${EMBEDDING_TABLE}.embedding is vector(${declared.typmod})`,
          );
        const found = all.find((x) => x.name === c.name);
        if (!found) continue;
        const [{ n }] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${EMBEDDING_TABLE} WHERE collection_id = $1::uuid`,
          [found.uuid],
        );
        existing.push({ name: c.name, rows: n });
        const dim = n > 0 ? await collectionDimension(db, found.uuid) : null;
        if (dim !== null && dim !== c.dimension)
          clashes.push(
            `${JSON.stringify(c.name)}: the backup's vectors have ${c.dimension} dimensions, the database's collection has ${dim}`,
          );
      }
      if (clashes.length) throw new ConflictError(`dimension mismatch, nothing was restored: ${clashes.join('; ')}`);
      return { layout, existing };
    },

    /**
     * Creates what is missing (extension, LangChain's tables, collection rows with the backup's
     * uuid and cmetadata, extra tables) and, with `clear`, deletes the restored collections'
     * rows and the restored tables' rows. Safe to retry: every step is idempotent.
     */
    async prepareLangchainTarget(input: {
      dir: string;
      layout: LangchainLayout;
      collections: Pick<LangchainRestoreCollection, 'name' | 'uuid' | 'cmetadata'>[];
      tables: Pick<LangchainRestoreTable, 'name' | 'columns' | 'primary_key' | 'files'>[];
      clear: boolean;
    }): Promise<LangchainTarget> {
      const { db } = lc();
      let layout = await detectLayout(db);
      if (!layout) {
        for (const sql of createSchemaSql(input.layout)) await db.query(sql);
        layout = input.layout;
      }
      const uuids: Record<string, string> = {};
      for (const c of input.collections) {
        let found = (await listCollections(db)).find((x) => x.name === c.name);
        if (!found) {
          const [taken] = c.uuid
            ? await db.query(`SELECT 1 FROM ${COLLECTION_TABLE} WHERE uuid = $1::uuid`, [c.uuid])
            : [true];
          await db.query(
            `INSERT INTO ${COLLECTION_TABLE} (uuid, name, cmetadata) VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3::json)`,
            [taken ? null : c.uuid, c.name, c.cmetadata],
          );
          found = (await listCollections(db)).find((x) => x.name === c.name)!;
        }
        uuids[c.name] = found.uuid;
        if (input.clear)
          await db.query(`DELETE FROM ${EMBEDDING_TABLE} WHERE collection_id = ${uuidLiteral(found.uuid)}`);
      }
      for (const t of input.tables) {
        if (!(await describeTable(db, t.name))) {
          const columns: TableColumn[] =
            t.columns ??
            (await parquetColumns(path.join(input.dir, t.files[0].name))).map((c) => pgTypeOfParquet(c.name, c.type));
          await db.query(createTableSql(t.name, columns, t.primary_key));
        } else if (input.clear) await db.query(`DELETE FROM ${quoteIdent(t.name)}`);
      }
      const [meta] = await db.query<{ type: string }>(
        `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attname = 'cmetadata'`,
        [EMBEDDING_TABLE],
      );
      return { layout, metadata_type: meta?.type ?? 'jsonb', uuids };
    },

    /**
     * Loads one file in pages from the row its last heartbeat reached: COPY into a staging table,
     * then one merge by key (a repeated page overwrites itself).
     */
    async restoreLangchainFile(input: {
      dir: string;
      file: string;
      target: LangchainTarget;
      collection?: { name: string; layout: FileLayout };
      table?: string;
    }): Promise<number> {
      const activity = Context.current();
      const database = lc();
      const file = path.join(input.dir, input.file);
      // A file that is not Parquet (truncated, replaced) will not get better on retry.
      const columns = await parquetColumns(file).catch((err: Error) => {
        throw new ValidationError(`${input.file}: not a readable Parquet file (${err.message.split('\n')[0]})`);
      });
      // Collection rows go in binary (vectors as float4s), tables as CSV (every value as text).
      let read: CollectionRead | null = null;
      let direct: DirectLoad | null = null;
      let staged: string[];
      let select: string[];
      let merge: string;
      if (input.collection) {
        const c = input.collection;
        read = collectionRead(columns, c.layout, textSettings(ctx.config, c.name).text_fields);
        ({ staged, select } = read);
        const from: LangchainLayout = staged[0] === 'id' ? 'langchain-postgres' : 'langchain-community';
        merge = mergeEmbeddingsSql(from, input.target.layout, input.target.uuids[c.name], input.target.metadata_type);
        direct = directLoad(from, input.target.layout, input.target.uuids[c.name], input.target.metadata_type);
      } else {
        const table = await describeTable(database.db, input.table!);
        if (!table) throw new ConflictError(`the table ${input.table} disappeared during the restore`);
        staged = columns.map((c) => c.name);
        select = columns.map((c) => asText(c.name, c.type));
        merge = mergeTableSql(input.table!, staged, table);
      }
      let done = (activity.info.heartbeatDetails as number | undefined) ?? 0;
      let page = 0;
      try {
        for await (const p of parquetPages(file, select, done, PAGE)) {
          page = p.rows;
          if (read) {
            const rows = pageRows(read, p.columns);
            const data = direct?.encode(rows);
            const loaded =
              !!data &&
              (await database.load([], direct!.target, data, [], 'binary').then(
                () => true,
                (err: unknown) => {
                  if (!isIntegrityError(err)) throw err;
                  direct = null; // keys exist already: the rest of this file is merged too
                  return false;
                },
              ));
            if (!loaded) {
              const dimension = rows.vectors.reduce((n, v) => Math.max(n, v?.length ?? 0), 0);
              await database.load(stageSql(staged, dimension), STAGE, encodeTextVectorRows(rows), [merge], 'binary');
            }
          } else await database.load(stageSql(staged, null), STAGE, toCsv(p.columns), [merge], 'csv');
          done += p.rows;
          page = 0;
          activity.heartbeat(done);
        }
      } catch (err) {
        // Data that DuckDB cannot convert or the database refuses (class 22: data exceptions,
        // 23: constraints) stays refused on retry: a clear error naming the file and rows.
        const { message } = err as Error;
        if (['22', '23'].includes(sqlStateClass(err)) || message.startsWith('Conversion Error'))
          throw new ValidationError(
            `${input.file}: rows ${done + 1}-${done + (page || PAGE)}: ${message.split('\n')[0]}`,
          );
        throw err;
      }
      return done;
    },
  };
}

/** A page of a collection file as the staged text columns and the vectors. */
function pageRows(read: CollectionRead, columns: unknown[][]): TextVectorRows {
  const rows: TextVectorRows = { texts: read.staged.map(() => []), vectors: [] };
  for (let i = 0; i < columns[0].length; i++) {
    const { texts, vector } = read.row(columns.map((c) => c[i]));
    texts.forEach((t, c) => rows.texts[c].push(t));
    rows.vectors.push(vector);
  }
  return rows;
}
