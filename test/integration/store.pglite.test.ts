import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { Db } from '../../stores/postgres/db.js';
import { PostgresStore } from '../../stores/postgres/store.js';
import { postgresPool } from '../../stores/index.js';
import { storeConformance } from '../conformance/store.conformance.js';
import { sharedPgliteSocket, startTestPglite } from '../helpers/pglite.js';

// The embedded default store, twice: over its socket exactly as the API uses it (the run's shared
// embedded Postgres), and in the process that owns it, where writes and scans take the binary
// COPY bulk path.
storeConformance('postgres adapter on PGlite (over the socket)', async () => {
  const shared = await sharedPgliteSocket();
  const store = await PostgresStore.open(new Db(postgresPool({ kind: 'embedded', socketDir: shared.socketDir }, 4)));
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await shared.stop();
  };
  return store;
});

storeConformance('postgres adapter on PGlite (in-process bulk path)', async () => {
  const pglite = await startTestPglite();
  const store = await pglite.openStore(4, { bulk: true });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await pglite.stop();
  };
  return store;
});

describe('the embedded store', () => {
  it('starts with the shared buffers VECFLOW_EMBEDDED_SHARED_BUFFERS asks for, keeping PGlite’s own settings', async () => {
    const pglite = await startTestPglite({ sharedBuffers: '48MB' });
    try {
      const show = async (name: string) =>
        Object.values((await pglite.embedded.db.query<Record<string, string>>(`SHOW ${name}`)).rows[0])[0];
      assert.equal(await show('shared_buffers'), '48MB');
      assert.equal(await show('max_worker_processes'), '0', 'PGlite’s start parameters are kept');
      const store = await pglite.openStore(2, { bulk: true });
      await store.ensureCollection({ collection: 'sb', model: 'm', dimension: 2, distance: 'cosine' });
      assert.equal(await store.count({ collection: 'sb', model: 'm' }), 0);
    } finally {
      await pglite.stop();
    }
  });
});
