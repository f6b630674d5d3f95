import { startTestPglite } from './helpers/pglite.js';
import { storeConformance } from './conformance/store.conformance.js';

// The embedded default store, twice: over its socket exactly as the API uses it, and in the
// process that owns it, where writes and scans take the binary COPY bulk path.
for (const bulk of [false, true]) {
  storeConformance(`postgres adapter on PGlite (${bulk ? 'in-process bulk path' : 'over the socket'})`, async () => {
    const pglite = await startTestPglite();
    const store = await pglite.openStore(4, { bulk });
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      await pglite.stop();
    };
    return store;
  });
}
