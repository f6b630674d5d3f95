import { inject } from 'vitest';
import pg from 'pg';
import { Db } from '../../stores/postgres/db.js';
import { wireCopyRunner } from '../../stores/postgres/copy-runner.js';
import { PostgresStore } from '../../stores/postgres/store.js';
import { QdrantStore } from '../../stores/qdrant/store.js';
import { storeConformance } from '../conformance/store.conformance.js';

// Real servers: the run's PostgreSQL 16 + pgvector (or the one DATABASE_URL names), and a Qdrant
// when QDRANT_URL names one. The Postgres adapter runs the suite twice: every write and full
// scan through binary COPY (pg-copy-streams), and every one through statements.
const { DATABASE_URL, QDRANT_URL, QDRANT_API_KEY } = process.env;
const postgresUrl = DATABASE_URL ?? inject('postgresUrl');

const pool = () => new pg.Pool({ connectionString: postgresUrl, max: 4 });

storeConformance('postgres adapter on PostgreSQL, COPY path', async () => {
  const p = pool();
  return PostgresStore.open(new Db(p), { runner: wireCopyRunner(p), minRows: 1 });
});

storeConformance('postgres adapter on PostgreSQL, statement path', async () => PostgresStore.open(new Db(pool())));

storeConformance('qdrant adapter (QDRANT_URL)', async () => QdrantStore.open(QDRANT_URL!, QDRANT_API_KEY), {
  skip: QDRANT_URL ? undefined : 'QDRANT_URL is not set: no Qdrant to test against',
});
