import { startTestPglite } from '../test/helpers/pglite.js';
import { makePoint, rng } from '../test/helpers/data.js';

// `npm run bench:store`: embedded-store write and scan rates over the pglite socket, for the
// pool sizes worth choosing between. Prints figures; asserts nothing.
const N = Number(process.env.BENCH_ROWS ?? 5000);
const DIM = Number(process.env.BENCH_DIM ?? 768);
const BATCH = 250;

// On disk, as `npm start` keeps the store (in memory PGlite copies a table file as it grows).
const pglite = await startTestPglite({ persistent: true });
try {
  for (const poolSize of [1, 4, 8]) {
    const store = await pglite.openStore(poolSize);
    const ref = { collection: `bench${poolSize}`, model: 'm' };
    await store.ensureCollection({ ...ref, dimension: DIM, distance: 'cosine' });
    const next = rng(poolSize);
    const batches = Array.from({ length: Math.ceil(N / BATCH) }, (_, b) =>
      Array.from({ length: Math.min(BATCH, N - b * BATCH) }, (_, i) =>
        makePoint(`p${b * BATCH + i}`, DIM, next, { b, i, text: 'lorem ipsum' }),
      ),
    );
    let t = performance.now();
    let cursor = 0;
    await Promise.all(
      Array.from({ length: poolSize }, async () => {
        while (cursor < batches.length) await store.upsert(ref, batches[cursor++]);
      }),
    );
    const writeRate = N / ((performance.now() - t) / 1000);
    t = performance.now();
    let scanned = 0;
    let c: string | null = null;
    do {
      const page = await store.scan(ref, { limit: 1000, cursor: c });
      scanned += page.points.length;
      c = page.next;
    } while (c);
    const scanRate = scanned / ((performance.now() - t) / 1000);
    console.log(
      `pool ${poolSize}: upsert ${Math.round(writeRate)} rows/s, scan ${Math.round(scanRate)} rows/s (${N} × ${DIM}-d, batches of ${BATCH})`,
    );
    await store.dropCollection(ref);
  }
} finally {
  await pglite.stop();
}
