import { NotFoundError, ValidationError } from '../../core/errors.js';
import { assertPointId } from '../../core/point-id.js';
import type { CollectionRef, Point } from '../../core/types.js';
import { MAX_DIM, MIN_DIM } from '../../core/vald.js';
import type { CatalogModel, VectorStore } from '../../stores/port.js';
import type { ApiDeps } from '../deps.js';

// Vald's reads — Object (exists, get, timestamp, list) and Search — straight from the store: no
// workflow, as they change nothing. The collection's blue model is what Vald calls the index.
export interface SearchConfig {
  num: number;
  min_num: number;
  /** Results farther than this are left out; negative (or 0, a client that set nothing) is no limit. */
  radius: number;
  /** Nanoseconds; 0 is no limit. */
  timeout: string;
}

export interface Distance {
  id: string;
  distance: number;
}

/** Vald's distance from a store's score (similarity for cosine and dot, distance for euclid). */
const DISTANCE: Record<CatalogModel['distance'], (score: number) => number> = {
  cosine: (s) => 1 - s,
  dot: (s) => -s,
  euclid: (s) => s,
};

export class DeadlineError extends Error {}

export class ValdReads {
  constructor(private readonly deps: ApiDeps) {}

  /** The collection's blue physical collection; NotFound for an unknown collection. */
  async blue(collection: string): Promise<{ store: VectorStore; ref: CollectionRef; model: CatalogModel }> {
    const store = await this.deps.store.get();
    const [entry] = await store.catalog(collection);
    const model = entry?.models.find((m) => m.model === entry.blue);
    if (!model) throw new NotFoundError(`collection ${collection} does not exist or has no blue model`);
    return { store, ref: { collection, model: model.model }, model };
  }

  async get(collection: string, id: unknown, field = 'id.id'): Promise<Point> {
    const valid = assertPointId(id, field);
    const { store, ref } = await this.blue(collection);
    const [point] = await store.get(ref, [valid]);
    if (!point) throw new NotFoundError(`${valid} does not exist`);
    return point;
  }

  async exists(collection: string, id: unknown): Promise<string> {
    const valid = assertPointId(id, 'id');
    const { store, ref } = await this.blue(collection);
    const [point] = await store.get(ref, [valid], false);
    if (!point) throw new NotFoundError(`${valid} does not exist`);
    return valid;
  }

  /** Every point of the collection, page by page, in the store's id order. */
  async *list(collection: string, pageSize = 500): AsyncGenerator<Point> {
    const { store, ref } = await this.blue(collection);
    let cursor: string | null = null;
    do {
      const page = await store.scan(ref, { cursor, limit: pageSize });
      yield* page.points;
      cursor = page.next;
    } while (cursor);
  }

  /** Exact nearest neighbours of `vector`, as Vald's Search.Response results. */
  async search(collection: string, vector: unknown, config: SearchConfig, exact: boolean): Promise<Distance[]> {
    const { store, ref, model } = await this.blue(collection);
    const query = checkVector(vector, model.dimension);
    if (!Number.isInteger(config.num) || config.num < 1)
      throw new ValidationError('config.num must be 1 or more', { field: 'config.num' });
    const timeoutMs = Number(BigInt(config.timeout || '0') / 1_000_000n);
    const work = store.search(ref, query, { k: config.num, exact });
    const hits = timeoutMs > 0 ? await withTimeout(work, timeoutMs) : await work;
    const limit = config.radius > 0 ? config.radius : Infinity;
    const results = hits
      .map((h) => ({ id: h.id, distance: DISTANCE[model.distance](h.score) }))
      .filter((r) => r.distance <= limit);
    if (results.length < config.min_num)
      throw new NotFoundError(`${results.length} results, fewer than min_num ${config.min_num}`);
    return results;
  }

  /** Search with the stored vector of `id`. */
  async searchById(collection: string, id: unknown, config: SearchConfig, exact: boolean): Promise<Distance[]> {
    const point = await this.get(collection, id, 'id');
    return this.search(collection, Array.from(point.vector), config, exact);
  }
}

function checkVector(vector: unknown, dimension: number): Float32Array {
  if (!Array.isArray(vector) || vector.length < MIN_DIM || vector.length > MAX_DIM)
    throw new ValidationError(`vector must have between ${MIN_DIM} and ${MAX_DIM} values`, { field: 'vector' });
  const bad = vector.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new ValidationError(`vector[${bad}] is not a finite number`, { field: `vector[${bad}]` });
  if (vector.length !== dimension)
    throw new ValidationError(`vector has dimension ${vector.length}, the collection's is ${dimension}`, {
      field: 'vector',
    });
  return Float32Array.from(vector as number[]);
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`search took longer than its timeout of ${ms} ms`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
