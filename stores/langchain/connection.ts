import type pg from 'pg';
import type { CopyRunner } from '../postgres/copy-runner.js';
import { Db } from '../postgres/db.js';

// A Postgres database holding LangChain's tables, with the two things a backup and a restore
// need beyond statements: a SELECT's rows as CSV (COPY … TO) and a CSV loaded into a staging
// table and merged in one transaction (COPY … FROM). Text-protocol statements per row cost most
// of a restore's time; COPY is the database's own fastest path both ways.
/** CSV for whole tables (every value in its text form); binary for vectors (text vectors cost Postgres most). */
export type CopyFormat = 'csv' | 'binary';

export interface LangchainDatabase {
  /** Statements (catalog reads, DDL, small queries). */
  readonly db: Db;
  /** `COPY (select) TO … (FORMAT …)`: COPY takes no parameters, so literals are quoted by the caller. */
  copyOut(select: string, format: CopyFormat): Promise<Buffer>;
  /**
   * In one transaction: `before` (e.g. CREATE TEMP TABLE … ON COMMIT DROP), COPY `target` FROM
   * the data, then `after`; returns the row count of the last statement of `after`.
   */
  load(before: string[], target: string, data: Buffer, after: string[], format: CopyFormat): Promise<number>;
  close(): Promise<void>;
}

/**
 * Statements over the pool; COPY through a CopyRunner: pg-copy-streams on a server reached over
 * the wire (a real Postgres), '/dev/blob' in process or through the bulk service on the embedded
 * database (its socket has no COPY sub-protocol).
 */
export class CopyLangchainDatabase implements LangchainDatabase {
  readonly db: Db;
  constructor(
    pool: pg.Pool,
    private readonly runner: CopyRunner,
  ) {
    this.db = new Db(pool);
  }

  async copyOut(select: string, format: CopyFormat): Promise<Buffer> {
    const [{ blob }] = await this.runner.runBlob([{ sql: `COPY (${select}) TO '/dev/blob' WITH (FORMAT ${format})` }]);
    return blob ? Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength) : Buffer.alloc(0);
  }

  async load(before: string[], target: string, data: Buffer, after: string[], format: CopyFormat): Promise<number> {
    const results = await this.runner.runBlob(
      [
        ...before.map((sql) => ({ sql })),
        { sql: `COPY ${target} FROM '/dev/blob' WITH (FORMAT ${format})`, blob: data },
        ...after.map((sql) => ({ sql })),
      ],
      { transaction: true },
    );
    return after.length ? results[results.length - 1].affectedRows : 0;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
