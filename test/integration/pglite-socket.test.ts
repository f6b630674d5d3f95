import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import pg from 'pg';
import { sharedPgliteSocket } from '../helpers/pglite.js';

// What vecflow relies on from pglite-socket: a pool of several connections, each query's
// parameters kept with its own statement under concurrency, and transactions that are short
// and on one connection not blocking the others for longer than they last.
describe('PGlite over pglite-socket', () => {
  let pglite: Awaited<ReturnType<typeof sharedPgliteSocket>>;
  let pool: pg.Pool;
  // The run's shared embedded Postgres: a table of our own.
  const kv = `kv_${process.pid}_${Date.now().toString(36)}`;
  beforeAll(async () => {
    pglite = await sharedPgliteSocket();
    pool = new pg.Pool({ host: pglite.socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 8 });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${kv}`);
    await pool.end();
    await pglite.stop();
  });

  it('keeps concurrent parameterised queries on 8 connections apart', async () => {
    await pool.query(`CREATE TABLE ${kv} (k int PRIMARY KEY, v text)`);
    const results = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        await pool.query(`INSERT INTO ${kv} (k, v) VALUES ($1, $2)`, [i, `v${i}`]);
        const r = await pool.query<{ v: string; k2: number }>(`SELECT v, $2::int AS k2 FROM ${kv} WHERE k = $1`, [
          i,
          i * 2,
        ]);
        return r.rows[0].v === `v${i}` && r.rows[0].k2 === i * 2;
      }),
    );
    assert.equal(results.filter(Boolean).length, 1000);
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM ${kv}`)).rows[0].n, 1000);
  });

  it('serves other connections once a short transaction ends, and rolls back a failed one', async () => {
    const c = await pool.connect();
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${kv} VALUES (-1, 'in-tx')`);
    const other = pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${kv} WHERE k = -1`);
    await c.query('ROLLBACK');
    c.release();
    assert.equal((await other).rows[0].n, 0, 'the other connection saw no uncommitted row');
    await assert.rejects(pool.query('SELECT * FROM missing_table'));
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'a failed statement leaves the session usable');
  });
});
