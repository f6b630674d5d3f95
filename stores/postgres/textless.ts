import type { TextlessOptions } from '../port.js';
import { type Db, quoteIdent } from './db.js';
import { SqlParams } from './filter-sql.js';
import { rangeConditions } from './ranges.js';

// A string holding a letter or digit is text however it is trimmed (JS's `trim` removes white
// space only). In the C locale only ASCII letters count: a point whose text has none of them is
// returned as a candidate, and the caller's own check keeps it out.
const TEXT = '[[:alnum:]]';

/**
 * The store port's `scanTextless` in the database: only points with no text under the fields
 * (or a chunk id) leave it. A first page asks whether there is any: in id order Postgres reads
 * the table through its index (≈ 0.9 s per 100,000 points here, as long as reading every
 * payload out), in its own order once (≈ 0.3 s) — and most collections have none.
 */
export async function textlessRows(
  db: Db,
  table: string,
  options: TextlessOptions,
): Promise<{ pid: string; id: string; ts: string; payload: Record<string, unknown> }[]> {
  const params = new SqlParams();
  const where = rangeConditions(undefined, options.cursor ?? null, params);
  const hasText =
    options.fields === null
      ? `jsonb_path_exists(payload, 'strict $.* ? (@.type() == "string" && @ like_regex "${TEXT}")')`
      : `EXISTS (SELECT 1 FROM unnest(${params.add(options.fields, 'text[]')}) AS f(k)
                 WHERE jsonb_typeof(payload -> f.k) = 'string' AND (payload ->> f.k) ~ '${TEXT}')`;
  where.push(`(strpos(id, '#') > 0 OR NOT COALESCE(${hasText}, false))`);
  if (!options.cursor) {
    const [{ any }] = await db.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quoteIdent(table)} WHERE ${where.join(' AND ')}) AS any`,
      params.values,
    );
    if (!any) return [];
  }
  const limit = params.add(options.limit, 'int');
  return db.query(
    `SELECT pid, id, ts, payload FROM ${quoteIdent(table)} WHERE ${where.join(' AND ')} ORDER BY pid LIMIT ${limit}`,
    params.values,
  );
}
