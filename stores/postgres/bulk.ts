import type { Point } from '../../core/types.js';
import type { WriteMode } from '../port.js';
import { decodeRows, encodeRows } from './copy-binary.js';
import { quoteIdent } from './db.js';
import type { EmbeddedPostgres } from './embedded.js';

// The embedded store's bulk path, for the process that owns PGlite: binary COPY through
// '/dev/blob' instead of statements over the socket (measured: ~10x faster writes and ~2x
// faster reads of 768-d points). Same tables, same semantics as the statement path.
const CONFLICT = {
  overwrite:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts',
  newer:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts WHERE t.ts < EXCLUDED.ts',
  absent: 'ON CONFLICT (pid) DO NOTHING',
} as const;

export class EmbeddedBulk {
  constructor(private readonly embedded: EmbeddedPostgres) {}

  /** Writes rows (already deduplicated and validated) with the mode's rule; returns the written ids. */
  upsert(table: string, rows: Point[], mode: WriteMode): Promise<string[]> {
    const t = quoteIdent(table);
    const apply =
      mode === 'update'
        ? `UPDATE ${t} AS t SET vector = v.vector, payload = v.payload, ts = v.ts FROM vf_stage v WHERE t.pid = v.pid AND t.ts < v.ts RETURNING t.id`
        : `INSERT INTO ${t} AS t SELECT * FROM vf_stage ${CONFLICT[mode]} RETURNING id`;
    const blob = new Blob([encodeRows(rows)]);
    return this.embedded.exclusive((db) =>
      db.transaction(async (tx) => {
        await tx.exec(`CREATE TEMP TABLE vf_stage (LIKE ${t}) ON COMMIT DROP`);
        await tx.query(`COPY vf_stage FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob });
        return (await tx.query<{ id: string }>(apply)).rows.map((r) => r.id);
      }),
    );
  }

  /** A page of rows in pid order; `where` holds only validated literals (COPY takes no parameters). */
  scan(table: string, where: string[], limit: number): Promise<(Point & { pid: string })[]> {
    const sql = `COPY (SELECT pid, id, vector, payload, ts FROM ${quoteIdent(table)} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY pid LIMIT ${Math.floor(limit)}) TO '/dev/blob' WITH (FORMAT binary)`;
    return this.embedded.exclusive(async (db) => {
      const result = await db.query(sql);
      return result.blob ? decodeRows(Buffer.from(await result.blob.arrayBuffer())) : [];
    });
  }
}
