import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

// The bulk paths (binary COPY into a staging table, COPY of a SELECT out) are written once, in
// PGlite's dialect: `COPY … FROM '/dev/blob'` with the data attached, `COPY … TO '/dev/blob'`.
// The embedded database runs them in process (embedded.ts) or through the store process's bulk
// service (bulk-service.ts); a server reached over the wire (a real Postgres) runs them here, as
// COPY FROM STDIN / TO STDOUT through pg-copy-streams on one connection.

/** A statement of the bulk path; `blob` feeds its `COPY … FROM '/dev/blob'`. */
export interface BlobStatement {
  sql: string;
  blob?: Uint8Array;
}

export interface BlobResult {
  rows: Record<string, unknown>[];
  affectedRows: number;
  /** What a `COPY … TO '/dev/blob'` wrote. */
  blob?: Uint8Array;
}

/** Runs bulk-path statements in order on one session (in one transaction if asked). */
export interface CopyRunner {
  runBlob(statements: BlobStatement[], options?: { transaction?: boolean }): Promise<BlobResult[]>;
}

const DEV_BLOB = /'\/dev\/blob'/;

/** The bulk path on a server reached over the wire. */
export function wireCopyRunner(pool: pg.Pool): CopyRunner {
  return {
    async runBlob(statements, { transaction = false } = {}) {
      const client = await pool.connect();
      try {
        if (transaction) await client.query('BEGIN');
        const out: BlobResult[] = [];
        for (const statement of statements) out.push(await runOne(client, statement));
        if (transaction) await client.query('COMMIT');
        return out;
      } catch (err) {
        if (transaction) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}

async function runOne(client: pg.PoolClient, { sql, blob }: BlobStatement): Promise<BlobResult> {
  if (blob) {
    const stream = client.query(copyFrom(sql.replace(DEV_BLOB, 'STDIN')));
    await pipeline(Readable.from([Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)]), stream);
    return { rows: [], affectedRows: stream.rowCount ?? 0 };
  }
  if (DEV_BLOB.test(sql)) {
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(sql.replace(DEV_BLOB, 'STDOUT')))) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    return { rows: [], affectedRows: 0, blob: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }
  const r = await client.query(sql);
  return { rows: r.rows as Record<string, unknown>[], affectedRows: r.rowCount ?? 0 };
}
