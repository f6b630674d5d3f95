import { createHash } from 'node:crypto';
import { canonicalJson } from '../../datafiles/digest.js';
import type { VectorStore } from '../../stores/port.js';

/**
 * Everything a restore must bring back, per physical collection: each point's id, float32
 * bytes, payload and timestamp (hashed, sorted), and the catalog's blue pointers.
 */
export async function fingerprint(store: VectorStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const entry of await store.catalog()) {
    out[`blue:${entry.collection}`] = entry.blue;
    for (const m of entry.models) {
      const rows: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.scan(m, { cursor, limit: 5000, withVectors: true });
        for (const p of page.points) {
          const h = createHash('sha256')
            .update(p.id)
            .update(Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength))
            .update(canonicalJson(p.payload))
            .update(p.timestamp.toString());
          rows.push(h.digest('hex'));
        }
        cursor = page.next;
      } while (cursor);
      out[`${m.collection}/${m.model}`] = {
        dimension: m.dimension,
        distance: m.distance,
        count: rows.length,
        rows: createHash('sha256').update(rows.sort().join()).digest('hex'),
      };
    }
  }
  return out;
}
