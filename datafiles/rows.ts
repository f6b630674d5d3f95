import { assertPointId } from '../core/point-id.js';
import type { Point } from '../core/types.js';

// The import/export row layout (the seed's columns): `id` and `values` (the vector) are
// required, `metadata` is a JSON object, every other column is kept in the payload under its own
// name. In the store, a row's payload is {…columns, metadata: {…}}; export writes the same
// columns back, so export → import round-trips.
export const COLUMNS = [
  'id',
  'document_id',
  'values',
  'content',
  'metadata',
  'chunk_id',
  'content_hash',
  'content_type',
  'language',
  'chunk_index',
  'chunk_count',
  'model',
  'created_at',
  'updated_at',
] as const;

export class RowError extends Error {}

/**
 * Rows of the backup layouts (issue 5) read as import rows: vecflow's own {id, vector, payload,
 * timestamp} keeps its payload as stored; the LangChain layout {custom_id, embedding, document,
 * cmetadata} maps onto id, values, content and metadata.
 */
function fromBackupLayout(row: Record<string, unknown>): {
  row: Record<string, unknown>;
  payload?: Record<string, unknown>;
} {
  if (row.values !== undefined) return { row };
  if (row.vector !== undefined && 'payload' in row) {
    let payload = row.payload ?? {};
    if (typeof payload === 'string') {
      try {
        payload = JSON.parse(payload);
      } catch (err) {
        throw new RowError(`Invalid JSON in payload: ${(err as Error).message}`);
      }
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      throw new RowError('payload must be a JSON object');
    return { row: { id: row.id, values: row.vector }, payload: payload as Record<string, unknown> };
  }
  if (row.embedding !== undefined) {
    return {
      row: { id: row.custom_id ?? row.id, values: row.embedding, content: row.document, metadata: row.cmetadata },
    };
  }
  return { row };
}

export interface RowOptions {
  /** The collection embeds text: a row with `content` and no `values` is accepted (empty vector, embedded later). */
  allowContentOnly?: boolean;
}

/** A row (CSV cells are strings; JSON/Parquet values keep their types) → a point, or RowError. */
export function rowToPoint(
  input: Record<string, unknown>,
  dimension: number | null,
  timestamp: bigint,
  options: RowOptions = {},
): Point {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new RowError('a row must be an object');
  const { row, payload: stored } = fromBackupLayout(input);
  if (row.id === undefined || row.id === null || row.id === '') throw new RowError('Missing required field: id');
  const id = typeof row.id === 'number' ? String(row.id) : (row.id as string);
  try {
    assertPointId(id, 'id');
  } catch (err) {
    throw new RowError((err as Error).message);
  }
  if (row.values === undefined || row.values === null || row.values === '') {
    if (options.allowContentOnly && typeof row.content === 'string' && row.content.trim()) {
      return { id, vector: new Float32Array(0), payload: stored ?? payloadOf(row), timestamp };
    }
    throw new RowError('Missing required field: values');
  }
  let values = row.values;
  if (typeof values === 'string') {
    try {
      values = JSON.parse(values);
    } catch (err) {
      throw new RowError(`Invalid JSON in values: ${(err as Error).message}`);
    }
  }
  // Typed arrays: vectors DuckDB read from Parquet or parsed from text (table-rows.ts).
  const typed = values instanceof Float32Array || values instanceof Float64Array ? values : null;
  if (!typed && !Array.isArray(values)) throw new RowError('values must be an array of numbers');
  const numbers = values as ArrayLike<number>;
  // A typed vector is checked in one pass over its float32s; the element checks only run on failure.
  let vector = typed && (typed instanceof Float32Array ? typed : Float32Array.from(typed));
  const clean = vector !== null && firstNonFinite(vector) < 0;
  if (!clean) {
    const bad = typed ? firstNonFinite(typed) : (values as unknown[]).findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new RowError(`values[${bad}] is not a finite number`);
  }
  if (dimension !== null && numbers.length !== dimension)
    throw new RowError(`Vector dimension mismatch: expected ${dimension}, got ${numbers.length}`);
  if (numbers.length < 2) throw new RowError('values must have at least 2 numbers');
  vector ??= Float32Array.from(numbers);
  // Vectors are float32: a finite double beyond its range would be stored as infinity.
  const over = clean ? -1 : firstNonFinite(vector);
  if (over >= 0) throw new RowError(`values[${over}] is outside the float32 range`);
  return { id, vector, payload: stored ?? payloadOf(row), timestamp };
}

/** Index of the first NaN or infinity, or -1 (a loop: findIndex's callback per element costs). */
function firstNonFinite(values: Float32Array | Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function payloadOf(row: Record<string, unknown>): Record<string, unknown> {
  let metadata: unknown = row.metadata ?? {};
  if (typeof metadata === 'string') {
    try {
      metadata = metadata.trim() ? JSON.parse(metadata) : {};
    } catch (err) {
      throw new RowError(`Invalid JSON in metadata: ${(err as Error).message}`);
    }
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new RowError('metadata must be a JSON object');
  const payload: Record<string, unknown> = { metadata };
  for (const [k, v] of Object.entries(row)) {
    if (k === 'id' || k === 'values' || k === 'metadata' || v === undefined || v === null || v === '') continue;
    payload[k] =
      (k === 'chunk_index' || k === 'chunk_count') && typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  }
  return payload;
}

/**
 * The seed's filters name metadata keys directly ({"category": "important"}) as well as columns
 * (chunk_index): a path that is not a column is looked up inside metadata.
 */
export function datasetFilter(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(datasetFilter);
  if (!raw || typeof raw !== 'object') return raw;
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).map(([k, v]) => {
      if (k.startsWith('$')) return [k, datasetFilter(v)];
      const root = k.split('.')[0];
      return [(COLUMNS as readonly string[]).includes(root) ? k : `metadata.${k}`, v];
    }),
  );
}
