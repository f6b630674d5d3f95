import type { Point } from '../../core/types.js';
import type { WriteMode } from '../port.js';
import { decodeRows, encodeRows } from './copy-binary.js';
import { quoteIdent } from './db.js';
import type { EmbeddedBulkAccess } from './embedded.js';

// The embedded store's bulk path, in the process that owns PGlite or through the store process's
// bulk service: binary COPY through '/dev/blob' instead of statements over the socket (measured: ~10x faster writes and ~2x
// faster reads of 768-d points). Same tables, same semantics as the statement path.
const CONFLICT = {
  overwrite:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts',
  newer:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts WHERE t.ts < EXCLUDED.ts',
  absent: 'ON CONFLICT (pid) DO NOTHING',
} as const;

export class EmbeddedBulk {
  constructor(private readonly embedded: EmbeddedBulkAccess) {}

  /** Writes rows (already deduplicated and validated) with the mode's rule; returns the written ids. */
  async upsert(table: string, rows: Point[], mode: WriteMode): Promise<string[]> {
    const t = quoteIdent(table);
    const apply =
      mode === 'update'
        ? `UPDATE ${t} AS t SET vector = v.vector, payload = v.payload, ts = v.ts FROM vf_stage v WHERE t.pid = v.pid AND t.ts < v.ts RETURNING t.id`
        : `INSERT INTO ${t} AS t SELECT * FROM vf_stage ${CONFLICT[mode]} RETURNING id`;
    const results = await this.embedded.runBlob(
      [
        { sql: `CREATE TEMP TABLE vf_stage (LIKE ${t}) ON COMMIT DROP` },
        { sql: `COPY vf_stage FROM '/dev/blob' WITH (FORMAT binary)`, blob: encodeRows(rows) },
        { sql: apply },
      ],
      { transaction: true },
    );
    return results[2].rows.map((r) => String(r.id));
  }

  /** A page of rows in pid order; `where` holds only validated literals (COPY takes no parameters). */
  async scan(table: string, where: string[], limit: number): Promise<(Point & { pid: string })[]> {
    const sql = `COPY (SELECT pid, id, vector, payload, ts FROM ${quoteIdent(table)} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY pid LIMIT ${Math.floor(limit)}) TO '/dev/blob' WITH (FORMAT binary)`;
    const [{ blob }] = await this.embedded.runBlob([{ sql }]);
    return blob ? decodeRows(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength)) : [];
  }
}
