import pg from 'pg';

// A thin wrapper over a pg pool: one place for transactions, which must stay short and on a
// single connection (PGlite's socket serves every connection from one session, so an open
// transaction stalls every other connection until it ends).
export class Db {
  constructor(readonly pool: pg.Pool) {}

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    const res = await this.pool.query<R>(sql, params);
    return res.rows;
  }

  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

export function quoteIdent(name: string): string {
  return pg.escapeIdentifier(name);
}

/** A database error's SQLSTATE class: '22' data exceptions, '23' integrity constraints, … ('' if none). */
export const sqlStateClass = (err: unknown): string => ((err as { code?: unknown })?.code ?? '').toString().slice(0, 2);

/** Whether a database error is an integrity-constraint violation (SQLSTATE class 23). */
export const isIntegrityError = (err: unknown): boolean => sqlStateClass(err) === '23';
