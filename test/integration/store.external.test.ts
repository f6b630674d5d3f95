import pg from 'pg';
import { Db } from '../../stores/postgres/db.js';
import { PostgresStore } from '../../stores/postgres/store.js';
import { QdrantStore } from '../../stores/qdrant/store.js';
import { storeConformance } from '../conformance/store.conformance.js';

// Real servers, when the environment names them.
const { DATABASE_URL, QDRANT_URL, QDRANT_API_KEY } = process.env;

storeConformance(
  'postgres adapter on PostgreSQL (DATABASE_URL)',
  async () => PostgresStore.open(new Db(new pg.Pool({ connectionString: DATABASE_URL, max: 4 }))),
  {
    skip: DATABASE_URL ? undefined : 'DATABASE_URL is not set: no real PostgreSQL to test against',
  },
);

storeConformance('qdrant adapter (QDRANT_URL)', async () => QdrantStore.open(QDRANT_URL!, QDRANT_API_KEY), {
  skip: QDRANT_URL ? undefined : 'QDRANT_URL is not set: no Qdrant to test against',
});
