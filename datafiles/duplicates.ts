import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { BIGINT, type DuckDBAppender, type DuckDBConnection, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import { duckdb, sqlString } from './duckdb.js';

// Ids repeated within an import file, found by DuckDB (which spills to disk) rather than in a
// JavaScript map, so a file of any size plans in bounded memory. The result is a Parquet file
// of (idx, first): the row or line that repeats an id, and where that id first appeared.
const CHUNK = 2048;

/** Writes the repeats among `keys` (a query of idx, k) to `out`; returns how many there are (0: no file). */
export async function findDuplicates(con: DuckDBConnection, keys: string, out: string): Promise<number> {
  await con.run(
    `COPY (SELECT idx, first FROM (SELECT idx, min(idx) OVER (PARTITION BY k) AS first FROM (${keys}) WHERE k IS NOT NULL AND k <> '') WHERE idx <> first ORDER BY idx) TO ${sqlString(out)} (FORMAT parquet)`,
  );
  const n = Number((await con.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(out)})`)).getRows()[0][0]);
  if (n === 0) await rm(out, { force: true });
  return n;
}

/** Collects (index, id) pairs of a streamed file into a DuckDB temp table, a chunk at a time. */
export class IdCollector {
  private appender: DuckDBAppender | null = null;
  private idx: bigint[] = [];
  private ids: string[] = [];

  private constructor(
    readonly con: DuckDBConnection,
    readonly table: string,
  ) {}

  static async open(): Promise<IdCollector> {
    const con = await duckdb();
    const table = `import_ids_${randomUUID().replace(/-/g, '')}`;
    await con.run(`CREATE TABLE ${table} (idx BIGINT, k VARCHAR)`);
    const c = new IdCollector(con, table);
    c.appender = await con.createAppender(table);
    return c;
  }

  add(index: number, id: string): void {
    this.idx.push(BigInt(index));
    this.ids.push(id);
    if (this.ids.length >= CHUNK) this.flush();
  }

  private flush(): void {
    if (this.ids.length === 0) return;
    const chunk = DuckDBDataChunk.create([BIGINT, VARCHAR], this.ids.length);
    chunk.setColumns([this.idx, this.ids]);
    this.appender!.appendDataChunk(chunk);
    this.idx = [];
    this.ids = [];
  }

  /** Writes the repeats to `out` and closes; returns their number. */
  async finish(out: string): Promise<number> {
    try {
      this.flush();
      this.appender!.closeSync();
      return await findDuplicates(this.con, `SELECT idx, k FROM ${this.table}`, out);
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    await this.con.run(`DROP TABLE IF EXISTS ${this.table}`).catch(() => undefined);
    this.con.closeSync();
  }
}

/** The repeats a chunk can meet: the first `limit` after `afterIndex`, as idx → first. */
export async function loadDuplicates(
  file: string | null,
  afterIndex: number,
  limit: number,
): Promise<Map<number, number>> {
  if (!file) return new Map();
  const con = await duckdb();
  try {
    const rows = await con.runAndReadAll(
      `SELECT idx, first FROM read_parquet(${sqlString(file)}) WHERE idx > ${Math.floor(afterIndex)} ORDER BY idx LIMIT ${Math.max(0, Math.floor(limit))}`,
    );
    return new Map(rows.getRows().map((r) => [Number(r[0]), Number(r[1])]));
  } finally {
    con.closeSync();
  }
}
