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
