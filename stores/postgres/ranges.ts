import type { IdRange } from '../../core/id-space.js';
import { UUID_TEXT } from '../../core/point-id.js';
import { ValidationError } from '../../core/errors.js';
import type { DiffOptions, DiffPage } from '../port.js';
import { type Db, quoteIdent } from './db.js';
import { SqlParams } from './filter-sql.js';

/** SQL conditions on the internal id for a range (start inclusive, end exclusive) and a cursor (exclusive). */
export function rangeConditions(range: IdRange | undefined, cursor: string | null, params: SqlParams): string[] {
  for (const [field, v] of [
    ['range.start', range?.start],
    ['range.end', range?.end],
    ['cursor', cursor],
  ] as const) {
    if (v && !UUID_TEXT.test(v)) throw new ValidationError(`${field} is not a UUID: ${JSON.stringify(v)}`, { field });
  }
  const where: string[] = [];
  if (range?.start) where.push(`pid >= ${params.add(range.start, 'uuid')}`);
  if (range?.end) where.push(`pid < ${params.add(range.end, 'uuid')}`);
  if (cursor) where.push(`pid > ${params.add(cursor, 'uuid')}`);
  return where;
}

/**
 * The store port's `diff` in the database: both tables are keyed by the internal id, so one
 * full join over a page's id interval returns only what differs — no id or timestamp of an
 * unchanged point leaves the database (the reindex reconcile read them all before). The page
 * ends at the lower of the two tables' `limit`-th ids, as in `diffByScans`.
 */
export async function diffTables(db: Db, source: string, dest: string, options: DiffOptions): Promise<DiffPage> {
  const conditions = (params: SqlParams) =>
    rangeConditions(options.range, options.cursor ?? null, params).join(' AND ') || 'TRUE';
  const first = new SqlParams();
  const where = conditions(first);
  const offset = first.add(options.limit - 1, 'int');
  const nth = (table: string) =>
    `(SELECT pid FROM ${quoteIdent(table)} WHERE ${where} ORDER BY pid OFFSET ${offset} LIMIT 1)`;
  const [{ bound }] = await db.query<{ bound: string | null }>(
    `SELECT least(${nth(source)}, ${nth(dest)})::text AS bound`,
    first.values,
  );
  const second = new SqlParams();
  const within = conditions(second) + (bound === null ? '' : ` AND pid <= ${second.add(bound, 'uuid')}`);
  const side = (table: string) => `(SELECT pid, id, ts FROM ${quoteIdent(table)} WHERE ${within})`;
  const rows = await db.query<{ sid: string | null; did: string | null }>(
    `SELECT s.id AS sid, d.id AS did FROM ${side(source)} s FULL JOIN ${side(dest)} d ON s.pid = d.pid
     WHERE s.pid IS NULL OR d.pid IS NULL OR s.ts > d.ts`,
    second.values,
  );
  return {
    missing: rows.filter((r) => r.sid !== null).map((r) => r.sid!),
    extra: rows.filter((r) => r.sid === null).map((r) => r.did!),
    next: bound,
  };
}
