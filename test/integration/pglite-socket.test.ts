import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import pg from 'pg';
import { sharedPgliteSocket, startTestPglite } from '../helpers/pglite.js';

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

  it('gives each connection its own prepared-statement names, as a session of its own would', async () => {
    // psycopg names its automatic prepared statements _pg3_0, … on every connection; pg names them as told.
    const [a, b] = [await pool.connect(), await pool.connect()];
    try {
      for (let i = 0; i < 3; i++) {
        for (const [c, k] of [
          [a, 2],
          [b, 3],
        ] as const) {
          const r = await c.query<{ v: number }>({ name: '_pg3_0', text: `SELECT $1::int * ${k} AS v`, values: [i] });
          assert.equal(r.rows[0].v, i * k);
        }
      }
      // A connection that goes takes its statements with it.
      const count = async () =>
        (await b.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'vfc%'"))
          .rows[0].n;
      const before = await count();
      a.release(true);
      for (let i = 0; i < 50 && (await count()) === before; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(await count(), before - 1);
    } finally {
      b.release();
    }
  });

  it("keeps each connection's extended queries whole while the owner's bulk path runs between them", async () => {
    // The process owning PGlite takes it between socket messages (embedded.exclusive, the COPY
    // path); a Parse of one connection must still meet its own Bind and Execute.
    const own = await startTestPglite();
    const ownPool = new pg.Pool({
      host: own.embedded.socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
      max: 8,
    });
    try {
      await ownPool.query('CREATE TABLE kv (k int PRIMARY KEY, v text)');
      let stop = false;
      const bulk = (async () => {
        let rounds = 0;
        while (!stop) {
          await own.embedded.exclusive(async (db) => {
            await db.query('SELECT $1::int AS x', [rounds]);
            await new Promise((r) => setTimeout(r, 1));
          });
          rounds++;
          await new Promise((r) => setImmediate(r));
        }
        return rounds;
      })();
      const outcomes = await Promise.all(
        Array.from({ length: 1500 }, async (_, i) => {
          try {
            await ownPool.query('INSERT INTO kv (k, v) VALUES ($1, $2)', [i, `v${i}`]);
            const r = await ownPool.query<{ v: string; k2: number }>('SELECT v, $2::int AS k2 FROM kv WHERE k = $1', [
              i,
              i * 2,
            ]);
            return r.rows[0]?.v === `v${i}` && r.rows[0]?.k2 === i * 2 ? 'ok' : 'wrong answer';
          } catch (err) {
            return (err as Error).message;
          }
        }),
      );
      stop = true;
      assert.ok((await bulk) > 10, 'the bulk path ran meanwhile');
      const failed = outcomes.filter((o) => o !== 'ok');
      assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of 1500 failed`);
    } finally {
      await ownPool.end();
      await own.stop();
    }
  });
});
