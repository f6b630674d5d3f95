import { ValidationError } from '../core/errors.js';
import type { Point } from '../core/types.js';
import type { WriteMode } from './port.js';

/**
 * What every adapter does to a write batch first: check each vector's dimension (naming the
 * id), and keep one point per id as the write mode wants it — the newest for 'newer' and
 * 'update', the first for 'absent', else the last (Postgres refuses to touch a row twice in one
 * statement).
 */
export function prepareBatch(points: Point[], mode: WriteMode, dimension: number): Point[] {
  const byId = new Map<string, Point>();
  for (const p of points) {
    if (p.vector.length !== dimension) {
      throw new ValidationError(
        `vector of ${JSON.stringify(p.id)} has ${p.vector.length} dimensions, expected ${dimension}`,
        { id: p.id, field: 'vector' },
      );
    }
    const prev = byId.get(p.id);
    if (!prev || mode === 'overwrite' || ((mode === 'newer' || mode === 'update') && p.timestamp >= prev.timestamp))
      byId.set(p.id, p);
  }
  return [...byId.values()];
}
