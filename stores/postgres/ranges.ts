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
 * ends at the lower of the two tables' `limit`-th ids, as in `diffByScans`. One statement reads
 * each side's next `limit` rows once and joins them up to that bound (two statements, one for
 * the bound and one joining its interval, read each side twice); the rows past the bound are
 * read again by the next page.
 */
export async function diffTables(db: Db, source: string, dest: string, options: DiffOptions): Promise<DiffPage> {
  const params = new SqlParams();
  const where = rangeConditions(options.range, options.cursor ?? null, params).join(' AND ') || 'TRUE';
  const limit = params.add(options.limit, 'int');
  const last = params.add(options.limit - 1, 'int');
  const side = (table: string) =>
    `SELECT pid, id, ts FROM ${quoteIdent(table)} WHERE ${where} ORDER BY pid LIMIT ${limit}`;
  // A side that ran out (fewer than `limit` rows) does not bound the page: least() skips NULLs.
  const full = (name: string) => `(SELECT pid FROM ${name} ORDER BY pid OFFSET ${last} LIMIT 1)`;
  const rows = await db.query<{ bound: boolean; sid: string | null; did: string | null }>(
    `WITH s AS MATERIALIZED (${side(source)}), d AS MATERIALIZED (${side(dest)}),
          b AS (SELECT least(${full('s')}, ${full('d')}) AS pid)
     SELECT true AS bound, (SELECT pid::text FROM b) AS sid, NULL AS did
     UNION ALL
     SELECT false, s.id, d.id FROM s FULL JOIN d ON s.pid = d.pid CROSS JOIN b
     WHERE (b.pid IS NULL OR COALESCE(s.pid, d.pid) <= b.pid) AND (s.pid IS NULL OR d.pid IS NULL OR s.ts > d.ts)`,
    params.values,
  );
  const diffs = rows.filter((r) => !r.bound);
  return {
    missing: diffs.filter((r) => r.sid !== null).map((r) => r.sid!),
    extra: diffs.filter((r) => r.sid === null).map((r) => r.did!),
    next: rows.find((r) => r.bound)?.sid ?? null,
  };
}
