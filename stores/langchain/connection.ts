import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { Db } from '../postgres/db.js';
import type { EmbeddedBulkAccess } from '../postgres/embedded.js';

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

/** A database reached over the wire (a real Postgres, or any server): COPY through pg-copy-streams. */
export class WireLangchainDatabase implements LangchainDatabase {
  readonly db: Db;
  constructor(private readonly pool: pg.Pool) {
    this.db = new Db(pool);
  }

  async copyOut(select: string, format: CopyFormat): Promise<Buffer> {
    const client = await this.pool.connect();
    try {
      const chunks: Buffer[] = [];
      const stream = client.query(copyTo(`COPY (${select}) TO STDOUT WITH (FORMAT ${format})`));
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } finally {
      client.release();
    }
  }

  async load(before: string[], target: string, data: Buffer, after: string[], format: CopyFormat): Promise<number> {
    return this.db.transaction(async (client) => {
      for (const sql of before) await client.query(sql);
      await pipeline(
        Readable.from([data]),
        client.query(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT ${format})`)),
      );
      let count = 0;
      for (const sql of after) count = (await client.query(sql)).rowCount ?? 0;
      return count;
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * The embedded database, from the process that owns it: COPY through PGlite's '/dev/blob' in
 * process (the socket has no COPY sub-protocol), statements over the socket as everywhere else.
 */
export class EmbeddedLangchainDatabase implements LangchainDatabase {
  readonly db: Db;
  constructor(
    pool: pg.Pool,
    private readonly embedded: EmbeddedBulkAccess,
  ) {
    this.db = new Db(pool);
  }

  async copyOut(select: string, format: CopyFormat): Promise<Buffer> {
    const [{ blob }] = await this.embedded.runBlob([
      { sql: `COPY (${select}) TO '/dev/blob' WITH (FORMAT ${format})` },
    ]);
    return blob ? Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength) : Buffer.alloc(0);
  }

  async load(before: string[], target: string, data: Buffer, after: string[], format: CopyFormat): Promise<number> {
    const results = await this.embedded.runBlob(
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
