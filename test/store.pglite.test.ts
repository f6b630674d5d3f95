import { startTestPglite } from './helpers/pglite.js';
import { storeConformance } from './conformance/store.conformance.js';

// The embedded default store, served over its socket exactly as in production.
let stop: (() => Promise<void>) | undefined;
storeConformance('postgres adapter on PGlite', async () => {
  const pglite = await startTestPglite();
  const store = await pglite.openStore();
  stop = pglite.stop;
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await stop?.();
  };
  return store;
});
