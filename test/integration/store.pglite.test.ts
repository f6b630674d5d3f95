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
