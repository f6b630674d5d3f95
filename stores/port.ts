import type { FilterNode } from '../core/filter.js';
import type { IdRange } from '../core/id-space.js';
import type { CollectionRef, PhysicalSpec, Point } from '../core/types.js';

// The store port: everything vecflow needs from a vector database. Every adapter passes the
// shared conformance suite in test/conformance.

export interface CatalogModel extends PhysicalSpec {
  /** True while a reindex writes to this model's collection besides blue. */
  writeTarget: boolean;
  createdAt: string;
}

export interface CatalogEntry {
  collection: string;
  blue: string | null;
  models: CatalogModel[];
}

/**
 * overwrite: always write.
 * newer: write only where nothing is stored for the id or the stored timestamp is older.
 * absent: write only where nothing is stored for the id.
 * update: write only where the id is stored with an older timestamp.
 */
export type WriteMode = 'overwrite' | 'newer' | 'absent' | 'update';

export type TimestampOperator = 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt';
export interface TimestampCondition {
  operator: TimestampOperator;
  timestamp: bigint;
}

export interface UpsertResult {
  /** Ids written by this call. */
  written: string[];
  /** Ids left as they were because of the write mode. */
  skipped: string[];
}

export interface ScanOptions {
  /** Restrict to a contiguous range of the internal id space (a shard). */
  range?: IdRange;
  /** Resume after this cursor (from a previous page's `next`). */
  cursor?: string | null;
  limit: number;
  withVectors?: boolean;
  /** false: ids and timestamps only (payload `{}`), for passes that compare versions. Default true. */
  withPayload?: boolean;
  /** Only points whose payload matches; the cursor still advances over the whole range. */
  filter?: FilterNode;
}

export interface ScanPage {
  points: Point[];
  /** Cursor to resume from, or null when the range is exhausted. */
  next: string | null;
}

export interface TextlessOptions {
  /** The payload fields that hold an item's text; null: every top-level field. */
  fields: string[] | null;
  /** Resume after this cursor (from a previous page's `next`). */
  cursor?: string | null;
  limit: number;
}

export interface DiffOptions {
  range?: IdRange;
  /** Resume after this cursor (from a previous page's `next`). */
  cursor?: string | null;
  /** At most this many ids of either collection are compared per page. */
  limit: number;
}

/** Where a destination differs from its source, over the part of the range one page covers. */
export interface DiffPage {
  /** Ids the destination lacks or holds an older version of (by timestamp). */
  missing: string[];
  /** Ids only the destination holds. */
  extra: string[];
  /** The last internal id this page covered, to resume after; null when the range is exhausted. */
  next: string | null;
}

export interface SearchOptions {
  k: number;
  filter?: FilterNode;
  exact?: boolean;
}

export interface SearchHit {
  id: string;
  score: number;
  payload: Record<string, unknown>;
  timestamp: bigint;
}

export interface VectorStore {
  readonly kind: 'postgres' | 'qdrant';
  /** Resolves when the store answers; throws otherwise. */
  ping(): Promise<void>;

  ensureCollection(spec: PhysicalSpec): Promise<CatalogModel>;
  /** Drops the physical collection and its catalog record; blue is cleared if it pointed there. */
  dropCollection(ref: CollectionRef): Promise<void>;
  catalog(collection?: string): Promise<CatalogEntry[]>;
  getBlue(collection: string): Promise<string | null>;
  /** Atomically points the collection's blue at `model`; NotFoundError if it does not exist. */
  setBlue(ref: CollectionRef): Promise<void>;
  setWriteTarget(ref: CollectionRef, on: boolean): Promise<void>;

  upsert(ref: CollectionRef, points: Point[], mode?: WriteMode): Promise<UpsertResult>;
  get(ref: CollectionRef, ids: string[], withVectors?: boolean): Promise<Point[]>;
  /**
   * Returns the ids that existed and were deleted. With `notNewerThan`, a point whose stored
   * timestamp is newer is kept (a late delete does not undo a newer write).
   */
  delete(ref: CollectionRef, ids: string[], options?: { notNewerThan?: bigint }): Promise<string[]>;
  deleteByFilter(ref: CollectionRef, filter: FilterNode): Promise<number>;
  /** Deletes every point whose timestamp satisfies all conditions; returns their ids. */
  deleteByTimestamp(ref: CollectionRef, conditions: TimestampCondition[]): Promise<string[]>;
  count(ref: CollectionRef, filter?: FilterNode): Promise<number>;
  /** Pages through points in internal-id order. */
  scan(ref: CollectionRef, options: ScanOptions): Promise<ScanPage>;
  /**
   * The points that may have no text to embed (a reindex refuses to re-embed those), with
   * payloads, without vectors, in internal-id order: at least every point with no string that
   * holds a letter or digit under `fields`, and every point whose id has a `#` (a chunk's text
   * is its object's). An adapter may return more (Qdrant returns every point): callers check
   * each one.
   */
  scanTextless(ref: CollectionRef, options: TextlessOptions): Promise<ScanPage>;
  /**
   * Compares two physical collections of one store over a range, page by page in internal-id
   * order (a reindex's reconcile): only the differences come back.
   */
  diff(source: CollectionRef, dest: CollectionRef, options: DiffOptions): Promise<DiffPage>;
  /** Nearest neighbours; `exact` asks an approximate index (Qdrant's HNSW) for an exact search. */
  search(ref: CollectionRef, vector: Float32Array, options: SearchOptions): Promise<SearchHit[]>;

  close(): Promise<void>;
}
