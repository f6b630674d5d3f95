import { QdrantClient } from '@qdrant/js-client-rest';
import { ValidationError } from '../../core/errors.js';
import type { FilterNode } from '../../core/filter.js';
import { inRange } from '../../core/id-space.js';
import { internalId } from '../../core/point-id.js';
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
import { prepareBatch } from '../batch.js';
import { diffByScans } from '../diff.js';
import { CatalogBackedStore } from '../catalog-store.js';
import { QdrantCatalog, physicalName } from './catalog.js';
import { RESERVED, decodePoint, decodeTimestamp, encodePayload, olderThan, timestampFilter } from './codec.js';
import { toQdrantFilter } from './filter.js';

type Payload = Record<string, unknown>;

/** The oldest Qdrant whose published API the adapter's requests are validated against (contract test). */
export const MIN_QDRANT = [1, 18] as const;

function atLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i];
  }
  return true;
}

/** The Qdrant adapter: one Qdrant collection per physical collection, blue as an alias. */
export class QdrantStore extends CatalogBackedStore<QdrantCatalog> implements VectorStore {
  readonly kind = 'qdrant' as const;

  private constructor(private readonly client: QdrantClient) {
    super(new QdrantCatalog(client));
  }

  static async open(url: string, apiKey?: string): Promise<QdrantStore> {
    const client = new QdrantClient({ url, apiKey, checkCompatibility: false });
    const { version } = await client.versionInfo();
    if (!atLeast(version, MIN_QDRANT)) {
      // Older servers ignore update_mode: an insert-only write would silently overwrite.
      throw new Error(
        `Qdrant ${version} at ${url} is too old: vecflow needs Qdrant ${MIN_QDRANT.join('.')} or newer (insert-only and update-only writes use update_mode)`,
      );
    }
    const store = new QdrantStore(client);
    await store.catalogBackend.init();
    return store;
  }

  async ping(): Promise<void> {
    await this.client.versionInfo();
  }

  async upsert(ref: CollectionRef, points: Point[], mode: WriteMode = 'overwrite'): Promise<UpsertResult> {
    const spec = await this.catalogBackend.require(ref);
    if (points.length === 0) return { written: [], skipped: [] };
    const rows = prepareBatch(points, mode, spec.dimension);
    const name = physicalName(ref);
    const before =
      mode === 'overwrite'
        ? new Map<string, bigint>()
        : await this.timestamps(
            name,
            rows.map((p) => p.id),
          );
    const struct = (p: Point) => ({
      id: internalId(p.id),
      vector: Array.from(p.vector),
      payload: encodePayload(p, spec.distance === 'cosine'),
    });
    if (mode === 'newer' || mode === 'update') {
      // Each point carries its own condition, so the check and the write are one atomic step.
      await this.client.batchUpdate(name, {
        wait: true,
        operations: rows.map((p) => ({
          upsert: {
            points: [struct(p)],
            update_filter: olderThan(p.timestamp),
            ...(mode === 'update' ? { update_mode: 'update_only' as const } : {}),
          },
        })),
      });
    } else {
      await this.client.upsert(name, {
        wait: true,
        points: rows.map(struct),
        // Only where it differs from the default, so plain writes stay within every 1.x API.
        ...(mode === 'absent' ? { update_mode: 'insert_only' as const } : {}),
      });
    }
    const wrote = (p: Point) =>
      mode === 'update'
        ? before.has(p.id) && before.get(p.id)! < p.timestamp
        : !before.has(p.id) || (mode === 'newer' && before.get(p.id)! < p.timestamp);
    return { written: rows.filter(wrote).map((p) => p.id), skipped: rows.filter((p) => !wrote(p)).map((p) => p.id) };
  }

  async get(ref: CollectionRef, ids: string[], withVectors = true): Promise<Point[]> {
    await this.catalogBackend.require(ref);
    if (ids.length === 0) return [];
    const unique = [...new Set(ids)];
    const recs = await this.client.retrieve(physicalName(ref), {
      ids: unique.map(internalId),
      with_payload: true,
      with_vector: withVectors,
    });
    const byId = new Map(
      recs.map((r) => [String((r.payload as Payload).id), decodePoint(r.payload as Payload, r.vector)]),
    );
    return unique.filter((id) => byId.has(id)).map((id) => byId.get(id)!);
  }

  async delete(ref: CollectionRef, ids: string[], options: { notNewerThan?: bigint } = {}): Promise<string[]> {
    await this.catalogBackend.require(ref);
    if (ids.length === 0) return [];
    const limit = options.notNewerThan;
    const existing = [...(await this.timestamps(physicalName(ref), ids)).entries()].filter(
      ([, ts]) => limit === undefined || ts <= limit,
    );
    const filter = {
      must: [{ has_id: ids.map(internalId) }, ...(limit === undefined ? [] : [timestampFilter('le', limit)])],
    };
    await this.client.delete(physicalName(ref), { wait: true, filter });
    return existing.map(([id]) => id);
  }

  async deleteByTimestamp(ref: CollectionRef, conditions: TimestampCondition[]): Promise<string[]> {
    await this.catalogBackend.require(ref);
    if (conditions.length === 0) throw new ValidationError('deleteByTimestamp needs at least one condition');
    const filter = { must: conditions.map((c) => timestampFilter(c.operator, c.timestamp)) };
    const ids: string[] = [];
    let offset: string | number | null | undefined = undefined;
    do {
      const page: Awaited<ReturnType<QdrantClient['scroll']>> = await this.client.scroll(physicalName(ref), {
        filter,
        limit: 1000,
        offset: offset ?? undefined,
        with_payload: ['id'],
      });
      ids.push(...page.points.map((p) => String((p.payload as Payload).id)));
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset !== null && offset !== undefined);
    await this.client.delete(physicalName(ref), { wait: true, filter });
    return ids;
  }

  async deleteByFilter(ref: CollectionRef, filter: FilterNode): Promise<number> {
    await this.catalogBackend.require(ref);
    const qf = toQdrantFilter(filter);
    const { count } = await this.client.count(physicalName(ref), { filter: qf, exact: true });
    await this.client.delete(physicalName(ref), { wait: true, filter: qf });
    return count;
  }

  async count(ref: CollectionRef, filter?: FilterNode): Promise<number> {
    await this.catalogBackend.require(ref);
    const { count } = await this.client.count(physicalName(ref), {
      filter: filter ? toQdrantFilter(filter) : undefined,
      exact: true,
    });
    return count;
  }

  async scan(ref: CollectionRef, options: ScanOptions): Promise<ScanPage> {
    await this.catalogBackend.require(ref);
    // The cursor is Qdrant's own next-page offset (inclusive), opaque to callers.
    const offset = options.cursor ?? options.range?.start ?? undefined;
    const page = await this.client.scroll(physicalName(ref), {
      limit: options.limit,
      offset,
      filter: options.filter ? toQdrantFilter(options.filter) : undefined,
      // Without the user's payload: the reserved keys that carry the id, timestamp and exact vector.
      with_payload:
        options.withPayload === false
          ? [RESERVED.id, RESERVED.tsHi, RESERVED.tsLo, ...(options.withVectors === false ? [] : [RESERVED.exact])]
          : true,
      with_vector: options.withVectors ?? true,
    });
    const range = options.range ?? { start: null, end: null };
    const points = page.points.filter((p) => inRange(String(p.id), range));
    const beyond = points.length < page.points.length;
    const next = page.next_page_offset;
    return {
      points: points.map((p) => decodePoint(p.payload as Payload, p.vector)),
      next: beyond || next === null || next === undefined || !inRange(String(next), range) ? null : String(next),
    };
  }

  /** Every point: Qdrant's filters cannot say "a string with a letter in any field". */
  scanTextless(ref: CollectionRef, options: TextlessOptions): Promise<ScanPage> {
    return this.scan(ref, { cursor: options.cursor, limit: options.limit, withVectors: false });
  }

  diff(source: CollectionRef, dest: CollectionRef, options: DiffOptions): Promise<DiffPage> {
    return diffByScans(this, source, dest, options);
  }

  async search(ref: CollectionRef, vector: Float32Array, options: SearchOptions): Promise<SearchHit[]> {
    const spec = await this.catalogBackend.require(ref);
    if (vector.length !== spec.dimension) {
      throw new ValidationError(`query vector has ${vector.length} dimensions, expected ${spec.dimension}`, {
        field: 'vector',
      });
    }
    const res = await this.client.query(physicalName(ref), {
      query: Array.from(vector),
      limit: options.k,
      filter: options.filter ? toQdrantFilter(options.filter) : undefined,
      params: options.exact ? { exact: true } : undefined,
      with_payload: true,
    });
    return res.points.map((p) => {
      const point = decodePoint(p.payload as Payload, null);
      return { id: point.id, score: p.score, payload: point.payload, timestamp: point.timestamp };
    });
  }

  async close(): Promise<void> {}

  private async timestamps(name: string, ids: string[]): Promise<Map<string, bigint>> {
    const recs = await this.client.retrieve(name, {
      ids: [...new Set(ids)].map(internalId),
      with_payload: ['id', 'ts_s', 'ts_ns'],
    });
    return new Map(recs.map((r) => [String((r.payload as Payload).id), decodeTimestamp(r.payload as Payload)]));
  }
}
