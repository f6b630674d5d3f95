import type { FilterNode } from '../../core/filter.js';
import { internalId } from '../../core/point-id.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { CollectionRef, Point } from '../../core/types.js';
import type {
  DiffOptions,
  DiffPage,
  ScanOptions,
  ScanPage,
  SearchHit,
  SearchOptions,
  TextlessOptions,
  TimestampCondition,
  UpsertResult,
  VectorStore,
  WriteMode,
} from '../port.js';
import { PostgresCatalog, migrate } from './catalog.js';
import { BulkPath } from './bulk.js';
import type { CopyRunner } from './copy-runner.js';
import { type Db, quoteIdent } from './db.js';
import { SqlParams, filterToSql } from './filter-sql.js';
import { diffTables, rangeConditions } from './ranges.js';
import { textlessRows } from './textless.js';
import { prepareBatch } from '../batch.js';
import { CatalogBackedStore } from '../catalog-store.js';
import { decodeVectorSend, payloadJson, vectorBinary, vectorLiteral } from './vectors.js';

interface PointRow {
  id: string;
  payload?: Record<string, unknown>;
  ts: string;
  vbin?: Buffer;
}

const DISTANCE_SQL = {
  cosine: { op: '<=>', score: (d: number) => 1 - d },
  dot: { op: '<#>', score: (d: number) => -d },
  euclid: { op: '<->', score: (d: number) => d },
} as const;

const CONFLICT = {
  overwrite:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts',
  newer:
    'ON CONFLICT (pid) DO UPDATE SET id = EXCLUDED.id, vector = EXCLUDED.vector, payload = EXCLUDED.payload, ts = EXCLUDED.ts WHERE t.ts < EXCLUDED.ts',
  absent: 'ON CONFLICT (pid) DO NOTHING',
} as const;

/**
 * The COPY path and from how many rows a write takes it: on the embedded store always (its
 * socket's text vectors cost most); on a real server from a batch up (a staging table costs
 * more than one row's INSERT).
 */
export interface BulkOptions {
  runner: CopyRunner;
  minRows?: number;
}

const TS_SQL = { eq: '=', ne: '<>', ge: '>=', gt: '>', le: '<=', lt: '<' } as const;

/** The pgvector adapter: one table per physical collection, keyed by the internal UUID. */
export class PostgresStore extends CatalogBackedStore<PostgresCatalog> implements VectorStore {
  readonly kind = 'postgres' as const;

  private readonly bulk: BulkPath | null;

  private constructor(
    private readonly db: Db,
    bulk: BulkOptions | undefined,
  ) {
    super(new PostgresCatalog(db));
    this.bulk = bulk ? new BulkPath(bulk.runner) : null;
    this.bulkMinRows = bulk?.minRows ?? 1;
  }

  private readonly bulkMinRows: number;

  /** With `bulk`, point writes of at least `minRows` rows and full scans take the COPY path. */
  static async open(db: Db, bulk?: BulkOptions): Promise<PostgresStore> {
    await migrate(db);
    return new PostgresStore(db, bulk);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async upsert(ref: CollectionRef, points: Point[], mode: WriteMode = 'overwrite'): Promise<UpsertResult> {
    const { table, spec } = await this.catalogBackend.resolve(ref);
    if (points.length === 0) return { written: [], skipped: [] };
    const rows = prepareBatch(points, mode, spec.dimension);
    if (this.bulk && rows.length >= this.bulkMinRows) {
      const writtenIds = new Set(await this.run(ref, () => this.bulk!.upsert(table, rows, mode)));
      return { written: [...writtenIds], skipped: rows.filter((p) => !writtenIds.has(p.id)).map((p) => p.id) };
    }
    // One point (a single Vald or task write) as plain VALUES: cheaper to plan than unnest.
    const single = rows.length === 1 && mode !== 'update';
    const rowsSql = single
      ? '(VALUES ($1::uuid, $2::text, $3::vector, $4::jsonb, $5::bigint))'
      : 'unnest($1::uuid[], $2::text[], $3::vector[], $4::jsonb[], $5::bigint[])';
    const sql =
      mode === 'update'
        ? `UPDATE ${quoteIdent(table)} AS t SET vector = v.vector, payload = v.payload, ts = v.ts
           FROM ${rowsSql} AS v(pid, id, vector, payload, ts) WHERE t.pid = v.pid AND t.ts < v.ts RETURNING t.id`
        : `INSERT INTO ${quoteIdent(table)} AS t (pid, id, vector, payload, ts) SELECT * FROM ${rowsSql} AS v ${CONFLICT[mode]} RETURNING id`;
    const columns = [
      rows.map((p) => internalId(p.id)),
      rows.map((p) => p.id),
      rows.map((p) => (single ? vectorBinary(p.vector) : vectorLiteral(p.vector))),
      rows.map(payloadJson),
      rows.map((p) => p.timestamp.toString()),
    ];
    const written = await this.run(ref, () =>
      this.db.query<{ id: string }>(sql, single ? columns.map((c) => c[0]) : columns),
    );
    const writtenIds = new Set(written.map((r) => r.id));
    return { written: [...writtenIds], skipped: rows.filter((p) => !writtenIds.has(p.id)).map((p) => p.id) };
  }

  async get(ref: CollectionRef, ids: string[], withVectors = true): Promise<Point[]> {
    const { table } = await this.catalogBackend.resolve(ref);
    if (ids.length === 0) return [];
    const rows = await this.run(ref, () =>
      this.db.query<PointRow>(
        `SELECT ${this.columns(withVectors)} FROM ${quoteIdent(table)} WHERE pid = ANY($1::uuid[])`,
        [ids.map(internalId)],
      ),
    );
    const byId = new Map(rows.map((r) => [r.id, this.toPoint(r)]));
    return ids.filter((id, i) => byId.has(id) && ids.indexOf(id) === i).map((id) => byId.get(id)!);
  }

  async delete(ref: CollectionRef, ids: string[], options: { notNewerThan?: bigint } = {}): Promise<string[]> {
    const { table } = await this.catalogBackend.resolve(ref);
    if (ids.length === 0) return [];
    const params = new SqlParams();
    const where = [`pid = ANY(${params.add(ids.map(internalId), 'uuid[]')})`];
    if (options.notNewerThan !== undefined)
      where.push(`ts <= ${params.add(options.notNewerThan.toString(), 'bigint')}`);
    const rows = await this.run(ref, () =>
      this.db.query<{ id: string }>(
        `DELETE FROM ${quoteIdent(table)} WHERE ${where.join(' AND ')} RETURNING id`,
        params.values,
      ),
    );
    return rows.map((r) => r.id);
  }

  async deleteByTimestamp(ref: CollectionRef, conditions: TimestampCondition[]): Promise<string[]> {
    const { table } = await this.catalogBackend.resolve(ref);
    if (conditions.length === 0) throw new ValidationError('deleteByTimestamp needs at least one condition');
    const params = new SqlParams();
    const where = conditions.map((c) => `ts ${TS_SQL[c.operator]} ${params.add(c.timestamp.toString(), 'bigint')}`);
    const rows = await this.run(ref, () =>
      this.db.query<{ id: string }>(
        `DELETE FROM ${quoteIdent(table)} WHERE ${where.join(' AND ')} RETURNING id`,
        params.values,
      ),
    );
    return rows.map((r) => r.id);
  }

  async deleteByFilter(ref: CollectionRef, filter: FilterNode): Promise<number> {
    const { table } = await this.catalogBackend.resolve(ref);
    const params = new SqlParams();
    const where = filterToSql(filter, params);
    const rows = await this.run(ref, () =>
      this.db.query(`DELETE FROM ${quoteIdent(table)} WHERE ${where} RETURNING 1`, params.values),
    );
    return rows.length;
  }

  async count(ref: CollectionRef, filter?: FilterNode): Promise<number> {
    const { table } = await this.catalogBackend.resolve(ref);
    const params = new SqlParams();
    const where = filter ? `WHERE ${filterToSql(filter, params)}` : '';
    const rows = await this.run(ref, () =>
      this.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)} ${where}`, params.values),
    );
    return Number(rows[0].n);
  }

  async scan(ref: CollectionRef, options: ScanOptions): Promise<ScanPage> {
    const { table } = await this.catalogBackend.resolve(ref);
    const params = new SqlParams();
    const where = rangeConditions(options.range, options.cursor ?? null, params);
    const withPayload = options.withPayload ?? true;
    if (this.bulk && (options.withVectors ?? true) && withPayload && !options.filter) {
      // Bound values are validated UUIDs, so they can be written into the COPY statement.
      const literal = where.map((w, i) => w.replace(/\$\d+::uuid/, `'${params.values[i]}'::uuid`));
      const rows = await this.run(ref, () => this.bulk!.scan(table, literal, options.limit));
      return {
        points: rows.map(({ pid: _pid, ...p }) => p),
        next: rows.length === options.limit ? rows[rows.length - 1].pid : null,
      };
    }
    const limit = params.add(options.limit, 'int');
    // With a filter, page over the range (not the matches) so every page costs the same and
    // the cursor still moves when nothing in a page matches.
    const filter = options.filter ? filterToSql(options.filter, params) : null;
    const rows = await this.run(ref, () =>
      this.db.query<PointRow & { pid: string; hit: boolean }>(
        `SELECT pid, ${filter ?? 'true'} AS hit, ${this.columns(options.withVectors ?? true, withPayload)} FROM ${quoteIdent(table)}
         ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY pid LIMIT ${limit}`,
        params.values,
      ),
    );
    const next = rows.length === options.limit ? rows[rows.length - 1].pid : null;
    return { points: rows.filter((r) => r.hit).map((r) => this.toPoint(r)), next };
  }

  async scanTextless(ref: CollectionRef, options: TextlessOptions): Promise<ScanPage> {
    const { table } = await this.catalogBackend.resolve(ref);
    const rows = await this.run(ref, () => textlessRows(this.db, table, options));
    return {
      points: rows.map((r) => this.toPoint(r)),
      next: rows.length === options.limit ? rows[rows.length - 1].pid : null,
    };
  }

  async diff(source: CollectionRef, dest: CollectionRef, options: DiffOptions): Promise<DiffPage> {
    const [from, to] = await Promise.all(
      [source, dest].map(async (ref) => (await this.catalogBackend.resolve(ref)).table),
    );
    return this.run(source, () => diffTables(this.db, from, to, options));
  }

  async search(
    ref: CollectionRef,
    vector: Float32Array,
    options: SearchOptions, // pgvector without an index searches exactly either way
  ): Promise<SearchHit[]> {
    const { table, spec } = await this.catalogBackend.resolve(ref);
    if (vector.length !== spec.dimension) {
      throw new ValidationError(`query vector has ${vector.length} dimensions, expected ${spec.dimension}`, {
        field: 'vector',
      });
    }
    const params = new SqlParams();
    const q = params.add(vectorLiteral(vector), 'vector');
    const where = options.filter ? `WHERE ${filterToSql(options.filter, params)}` : '';
    const { op, score } = DISTANCE_SQL[spec.distance];
    const rows = await this.run(ref, () =>
      this.db.query<PointRow & { d: number }>(
        `SELECT id, payload, ts, vector ${op} ${q} AS d FROM ${quoteIdent(table)} ${where}
         ORDER BY vector ${op} ${q}, pid LIMIT ${params.add(options.k, 'int')}`,
        params.values,
      ),
    );
    return rows.map((r) => ({
      id: r.id,
      score: score(Number(r.d)),
      payload: r.payload ?? {},
      timestamp: BigInt(r.ts),
    }));
  }

  close(): Promise<void> {
    return this.db.close();
  }

  private columns(withVectors: boolean, withPayload = true): string {
    return `id, ts${withPayload ? ', payload' : ''}${withVectors ? ', vector_send(vector) AS vbin' : ''}`;
  }

  private toPoint(row: PointRow): Point {
    return {
      id: row.id,
      payload: row.payload ?? {},
      timestamp: BigInt(row.ts),
      vector: row.vbin ? decodeVectorSend(row.vbin) : new Float32Array(0),
    };
  }

  /** Runs a statement on a point table, mapping a concurrently dropped table to NotFoundError. */
  private async run<T>(ref: CollectionRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') {
        this.catalogBackend.forget(ref);
        throw new NotFoundError(`collection ${ref.collection} has no model ${ref.model}`);
      }
      throw err;
    }
  }
}
