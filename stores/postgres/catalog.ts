import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { CollectionRef, Distance, PhysicalSpec } from '../../core/types.js';
import type { CatalogEntry, CatalogModel } from '../port.js';
import { type Db, quoteIdent } from './db.js';

// The catalog lives in two tables beside the point tables: one row per physical collection
// (vecflow_catalog) and one blue pointer per logical collection (vecflow_blue). Switching blue
// is a single-row upsert, so it is atomic.
const SCHEMA_LOCK = 7_311_204_551;

export const SCHEMA_SQL = `
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS vecflow_catalog (
  collection text NOT NULL,
  model text NOT NULL,
  table_name text NOT NULL UNIQUE,
  dimension integer NOT NULL,
  distance text NOT NULL,
  write_target boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection, model)
);
CREATE TABLE IF NOT EXISTS vecflow_blue (
  collection text PRIMARY KEY,
  model text NOT NULL,
  FOREIGN KEY (collection, model) REFERENCES vecflow_catalog (collection, model) ON DELETE CASCADE
);`;

interface CatalogRow {
  collection: string;
  model: string;
  table_name: string;
  dimension: number;
  distance: Distance;
  write_target: boolean;
  created_at: Date;
  blue: string | null;
}

export function tableNameFor(ref: CollectionRef): string {
  return 'vf_' + createHash('sha256').update(`${ref.collection}\u0000${ref.model}`).digest('hex').slice(0, 24);
}

export async function migrate(db: Db): Promise<void> {
  // Serialised by an advisory lock: concurrent CREATE EXTENSION/TABLE IF NOT EXISTS can race.
  await db.transaction(async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await c.query(SCHEMA_SQL);
  });
}

function toModel(row: CatalogRow): CatalogModel {
  return {
    collection: row.collection,
    model: row.model,
    dimension: row.dimension,
    distance: row.distance,
    writeTarget: row.write_target,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export class PostgresCatalog {
  private tables = new Map<string, { table: string; spec: PhysicalSpec }>();

  constructor(private readonly db: Db) {}

  async ensure(spec: PhysicalSpec): Promise<CatalogModel> {
    const table = tableNameFor(spec);
    const row = await this.db.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      const existing = await c.query<CatalogRow>('SELECT * FROM vecflow_catalog WHERE collection = $1 AND model = $2', [
        spec.collection,
        spec.model,
      ]);
      if (existing.rows[0]) return existing.rows[0];
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (
           pid uuid PRIMARY KEY, id text NOT NULL, vector vector(${Number(spec.dimension)}) NOT NULL,
           payload jsonb NOT NULL, ts bigint NOT NULL)`,
      );
      const inserted = await c.query<CatalogRow>(
        `INSERT INTO vecflow_catalog (collection, model, table_name, dimension, distance)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [spec.collection, spec.model, table, spec.dimension, spec.distance],
      );
      return inserted.rows[0];
    });
    if (row.dimension !== spec.dimension || row.distance !== spec.distance) {
      throw new ConflictError(
        `${spec.collection}/${spec.model} already exists with dimension ${row.dimension} and distance ${row.distance}`,
      );
    }
    return toModel(row);
  }

  /** Table and spec of a physical collection; NotFoundError when it does not exist. */
  async resolve(ref: CollectionRef): Promise<{ table: string; spec: PhysicalSpec }> {
    const key = `${ref.collection}\u0000${ref.model}`;
    const cached = this.tables.get(key);
    if (cached) return cached;
    const rows = await this.db.query<CatalogRow>('SELECT * FROM vecflow_catalog WHERE collection = $1 AND model = $2', [
      ref.collection,
      ref.model,
    ]);
    if (!rows[0]) throw new NotFoundError(`collection ${ref.collection} has no model ${ref.model}`);
    const found = { table: rows[0].table_name, spec: toModel(rows[0]) };
    this.tables.set(key, found);
    return found;
  }

  forget(ref: CollectionRef): void {
    this.tables.delete(`${ref.collection}\u0000${ref.model}`);
  }

  async drop(ref: CollectionRef): Promise<void> {
    this.forget(ref);
    await this.db.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await c.query('DELETE FROM vecflow_catalog WHERE collection = $1 AND model = $2', [ref.collection, ref.model]);
      await c.query(`DROP TABLE IF EXISTS ${quoteIdent(tableNameFor(ref))}`);
    });
  }

  async list(collection?: string): Promise<CatalogEntry[]> {
    // One collection is read on every write (its write targets): a plain equality keeps that
    // query on the primary key (the `$1 IS NULL OR …` form costs about twice as much).
    const select = `SELECT c.*, b.model AS blue FROM vecflow_catalog c LEFT JOIN vecflow_blue b ON b.collection = c.collection`;
    const order = 'ORDER BY c.collection, c.created_at, c.model';
    const rows = await this.db.query<CatalogRow>(
      collection === undefined ? `${select} ${order}` : `${select} WHERE c.collection = $1 ${order}`,
      collection === undefined ? [] : [collection],
    );
    const entries = new Map<string, CatalogEntry>();
    for (const row of rows) {
      const entry = entries.get(row.collection) ?? { collection: row.collection, blue: row.blue, models: [] };
      entry.models.push(toModel(row));
      entries.set(row.collection, entry);
    }
    return [...entries.values()];
  }

  async getBlue(collection: string): Promise<string | null> {
    const rows = await this.db.query<{ model: string }>('SELECT model FROM vecflow_blue WHERE collection = $1', [
      collection,
    ]);
    return rows[0]?.model ?? null;
  }

  async setBlue(ref: CollectionRef): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO vecflow_blue (collection, model) VALUES ($1, $2)
         ON CONFLICT (collection) DO UPDATE SET model = EXCLUDED.model`,
        [ref.collection, ref.model],
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23503') {
        throw new NotFoundError(`collection ${ref.collection} has no model ${ref.model}`);
      }
      throw err;
    }
  }

  async setWriteTarget(ref: CollectionRef, on: boolean): Promise<void> {
    const rows = await this.db.query(
      'UPDATE vecflow_catalog SET write_target = $3 WHERE collection = $1 AND model = $2 RETURNING 1',
      [ref.collection, ref.model, on],
    );
    if (rows.length === 0) throw new NotFoundError(`collection ${ref.collection} has no model ${ref.model}`);
  }
}
