import pg from 'pg';
import { startEmbeddedPostgres } from './stores/postgres/embedded.js';
const dir = '/tmp/pgrace-' + Date.now();
const e = await startEmbeddedPostgres({ socketDir: dir + '/run' });
const pool = new pg.Pool({ host: dir + '/run', port: 5432, user: 'postgres', database: 'postgres', max: 8 });
await pool.query('CREATE TABLE kv (k int PRIMARY KEY, v text)');
let stop = false;
const bulk = (async () => { let n = 0; while (!stop) { await e.exclusive(async (db) => { await db.query('SELECT pg_sleep(0.001)'); await new Promise((r) => setTimeout(r, 1)); await db.query('SELECT 1'); }); n++; await new Promise((r) => setImmediate(r)); } return n; })();
let bad = 0, errors = 0;
await Promise.all(Array.from({ length: 3000 }, async (_, i) => {
  try {
    await pool.query('INSERT INTO kv (k, v) VALUES ($1, $2)', [i, `v${i}`]);
    const r = await pool.query<{ v: string; k2: number }>('SELECT v, $2::int AS k2 FROM kv WHERE k = $1', [i, i * 2]);
    if (!(r.rows[0]?.v === `v${i}` && r.rows[0]?.k2 === i * 2)) bad++;
  } catch (err) { errors++; if (errors < 4) console.log('error', (err as Error).message); }
}));
stop = true; console.log('bulk rounds', await bulk, 'bad', bad, 'errors', errors);
await pool.end(); await e.stop();
