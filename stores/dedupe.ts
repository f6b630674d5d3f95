import type { Point } from '../core/types.js';
import type { WriteMode } from './port.js';

// A batch may name one id twice; stores must see each id once (Postgres refuses to touch a row
// twice in one statement).
/** Keeps one point per id as the write mode wants it: the newest for 'newer' and 'update', first for 'absent', else last. */
export function dedupe(points: Point[], mode: WriteMode): Point[] {
  const byId = new Map<string, Point>();
  for (const p of points) {
    const prev = byId.get(p.id);
    if (!prev || mode === 'overwrite' || ((mode === 'newer' || mode === 'update') && p.timestamp >= prev.timestamp)) byId.set(p.id, p);
  }
  return [...byId.values()];
}
