import type { CollectionRef } from '../../core/types.js';
import type { VectorStore } from '../../stores/port.js';

const PROBE = 64;

/**
 * The stored chunk ids of an object beyond `keep` chunks: `id` itself (when `keep` > 1 or 0) and
 * `id#k…` for k ≥ keep. Chunks are always written as a contiguous run #0..n-1, so probing upward
 * until a gap finds them all without scanning the collection.
 */
export async function staleChunkIds(
  store: VectorStore,
  ref: CollectionRef,
  objectIds: string[],
  keep: (id: string) => number,
): Promise<string[]> {
  const stale: string[] = [];
  let probes = objectIds.map((id) => ({ id, from: keep(id) === 1 ? 0 : keep(id) }));
  const singles = objectIds.filter((id) => keep(id) !== 1);
  if (singles.length) stale.push(...(await store.get(ref, singles, false)).map((p) => p.id));
  // Runs are contiguous, so an object has stale chunks only if its first stale position is taken:
  // one id per object first (the common case — new objects, or as many chunks as before — ends
  // here), the 64-wide windows only for the others.
  const taken = new Set(
    (
      await store.get(
        ref,
        probes.map((p) => `${p.id}#${p.from}`),
        false,
      )
    ).map((p) => p.id),
  );
  probes = probes.filter((p) => taken.has(`${p.id}#${p.from}`));
  while (probes.length) {
    const wanted = probes.flatMap((p) => Array.from({ length: PROBE }, (_, i) => `${p.id}#${p.from + i}`));
    const found = new Set((await store.get(ref, wanted, false)).map((p) => p.id));
    stale.push(...wanted.filter((id) => found.has(id)));
    // Continue only for objects whose whole probe window was taken.
    probes = probes
      .filter((p) => found.has(`${p.id}#${p.from + PROBE - 1}`))
      .map((p) => ({ id: p.id, from: p.from + PROBE }));
  }
  return stale;
}
