import { HashingEmbedder } from '../../embedders/hashing.js';
import type { VectorStore } from '../../stores/port.js';

/** Writes `n` text items straight into a collection's physical collection, embedded by hashing. */
export async function seedTextItems(
  store: VectorStore,
  ref: { collection: string; model: string },
  n: number,
  prefix = 'item',
  dim = 384,
): Promise<void> {
  const embedder = new HashingEmbedder(ref.model, dim);
  for (let start = 0; start < n; start += 500) {
    const ids = Array.from({ length: Math.min(500, n - start) }, (_, k) => `${prefix}-${start + k}`);
    const texts = ids.map((id, k) => `${id} about topic ${(start + k) % 97} with words ${(start + k) % 13}`);
    const vectors = await embedder.embed(texts);
    await store.upsert(
      ref,
      ids.map((id, k) => ({
        id,
        vector: vectors[k],
        payload: { title: texts[k], n: start + k },
        timestamp: 1_000_000_000n + BigInt(start + k),
      })),
    );
  }
}
