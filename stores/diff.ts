import { type IdRange, bigIntToUuid, uuidToBigInt } from '../core/id-space.js';
import { internalId } from '../core/point-id.js';
import type { CollectionRef } from '../core/types.js';
import type { DiffOptions, DiffPage, ScanPage, VectorStore } from './port.js';

const MAX_ID = (1n << 128n) - 1n;

/**
 * The store port's `diff` from two scans of ids and timestamps, for stores that cannot compare
 * collections themselves. Both sides read a page from the same start; the page covers the
 * internal ids up to the lower of the two full pages' last ids (a side that ran out covers the
 * rest of the range), and the next page starts after that id. The diff cursor is that last
 * internal id, so it means the same to every adapter (scan cursors do not).
 */
export async function diffByScans(
  store: Pick<VectorStore, 'scan'>,
  source: CollectionRef,
  dest: CollectionRef,
  options: DiffOptions,
): Promise<DiffPage> {
  const after = options.cursor ? uuidToBigInt(options.cursor) : null;
  if (after === MAX_ID) return { missing: [], extra: [], next: null };
  const range: IdRange = {
    start: after !== null ? bigIntToUuid(after + 1n) : (options.range?.start ?? null),
    end: options.range?.end ?? null,
  };
  const read = (ref: CollectionRef) =>
    store.scan(ref, { range, cursor: null, limit: options.limit, withVectors: false, withPayload: false });
  const [src, dst] = await Promise.all([read(source), read(dest)]);
  // A side with more to read bounds the page at its last id.
  const lastOf = (page: ScanPage) =>
    page.next !== null && page.points.length ? internalId(page.points[page.points.length - 1].id) : null;
  const bounds = [lastOf(src), lastOf(dst)].filter((b): b is string => b !== null);
  const next = bounds.length ? bounds.reduce((a, b) => (b < a ? b : a)) : null;
  const within = (id: string) => next === null || internalId(id) <= next;
  const stored = new Map<string, bigint>();
  for (const p of dst.points) if (within(p.id)) stored.set(p.id, p.timestamp);
  const missing: string[] = [];
  for (const p of src.points) {
    if (!within(p.id)) continue;
    const ts = stored.get(p.id);
    if (ts === undefined || p.timestamp > ts) missing.push(p.id);
    stored.delete(p.id);
  }
  return { missing, extra: [...stored.keys()], next };
}
