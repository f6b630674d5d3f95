import type { QdrantClient } from '@qdrant/js-client-rest';
import { ConflictError, NotFoundError } from '../../core/errors.js';
import { internalId } from '../../core/point-id.js';
import type { CollectionRef, Distance, PhysicalSpec } from '../../core/types.js';
import type { CatalogEntry, CatalogModel } from '../port.js';

// Qdrant keeps the catalog in a small collection of its own (one point per physical
// collection); blue is a Qdrant alias named after the logical collection, switched with one
// atomic alias update.
export const CATALOG = 'vecflow_catalog';
const QDRANT_DISTANCE = { cosine: 'Cosine', dot: 'Dot', euclid: 'Euclid' } as const;

export function physicalName(ref: CollectionRef): string {
  // Logical names never contain "__", so a physical name can never shadow a blue alias.
  return `${ref.collection}__${ref.model}`;
}

const catalogId = (ref: CollectionRef) => internalId(`catalog\u0000${ref.collection}\u0000${ref.model}`);

export class QdrantCatalog {
  constructor(private readonly client: QdrantClient) {}

  async init(): Promise<void> {
    if (!(await this.client.collectionExists(CATALOG)).exists) {
      await this.client.createCollection(CATALOG, { vectors: { size: 1, distance: 'Dot' } }).catch(async (err) => {
        if (!(await this.client.collectionExists(CATALOG)).exists) throw err;
      });
    }
  }

  async ensure(spec: PhysicalSpec): Promise<CatalogModel> {
    const existing = await this.find(spec);
    if (existing) {
      if (existing.dimension !== spec.dimension || existing.distance !== spec.distance) {
        throw new ConflictError(
          `${spec.collection}/${spec.model} already exists with dimension ${existing.dimension} and distance ${existing.distance}`,
        );
      }
      return existing;
    }
    const name = physicalName(spec);
    if (!(await this.client.collectionExists(name)).exists) {
      await this.client.createCollection(name, {
        vectors: { size: spec.dimension, distance: QDRANT_DISTANCE[spec.distance] },
      });
      for (const field of ['ts_s', 'ts_ns'] as const) {
        await this.client.createPayloadIndex(name, { field_name: field, field_schema: 'integer', wait: true });
      }
    }
    const model: CatalogModel = { ...spec, writeTarget: false, createdAt: new Date().toISOString() };
    await this.write(model);
    return model;
  }

  async find(ref: CollectionRef): Promise<CatalogModel | null> {
    const [rec] = await this.client.retrieve(CATALOG, { ids: [catalogId(ref)], with_payload: true });
    return rec ? toModel(rec.payload as Record<string, unknown>) : null;
  }

  async require(ref: CollectionRef): Promise<CatalogModel> {
    const found = await this.find(ref);
    if (!found) throw new NotFoundError(`collection ${ref.collection} has no model ${ref.model}`);
    return found;
  }

  async drop(ref: CollectionRef): Promise<void> {
    if ((await this.getBlue(ref.collection)) === ref.model) {
      await this.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: ref.collection } }] });
    }
    await this.client.delete(CATALOG, { wait: true, points: [catalogId(ref)] });
    await this.client.deleteCollection(physicalName(ref));
  }

  async list(collection?: string): Promise<CatalogEntry[]> {
    const models: CatalogModel[] = [];
    let offset: string | number | undefined | null = undefined;
    do {
      const page: Awaited<ReturnType<QdrantClient['scroll']>> = await this.client.scroll(CATALOG, {
        limit: 256,
        offset: offset ?? undefined,
        with_payload: true,
        filter: collection ? { must: [{ key: 'collection', match: { value: collection } }] } : undefined,
      });
      models.push(...page.points.map((p) => toModel(p.payload as Record<string, unknown>)));
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset !== null && offset !== undefined);
    const entries = new Map<string, CatalogEntry>();
    for (const m of models.sort(
      (a, b) => a.collection.localeCompare(b.collection) || a.createdAt.localeCompare(b.createdAt),
    )) {
      const entry = entries.get(m.collection) ?? {
        collection: m.collection,
        blue: await this.getBlue(m.collection),
        models: [],
      };
      entry.models.push(m);
      entries.set(m.collection, entry);
    }
    return [...entries.values()];
  }

  async getBlue(collection: string): Promise<string | null> {
    const { aliases } = await this.client.getAliases();
    const alias = aliases.find((a) => a.alias_name === collection);
    return alias ? alias.collection_name.slice(collection.length + 2) : null;
  }

  async setBlue(ref: CollectionRef): Promise<void> {
    await this.require(ref);
    // One alias update holding both actions: readers see the old or the new blue, never none.
    const current = await this.getBlue(ref.collection);
    await this.client.updateCollectionAliases({
      actions: [
        ...(current !== null ? [{ delete_alias: { alias_name: ref.collection } }] : []),
        { create_alias: { alias_name: ref.collection, collection_name: physicalName(ref) } },
      ],
    });
  }

  async setWriteTarget(ref: CollectionRef, on: boolean): Promise<void> {
    const model = await this.require(ref);
    await this.write({ ...model, writeTarget: on });
  }

  private async write(model: CatalogModel): Promise<void> {
    await this.client.upsert(CATALOG, {
      wait: true,
      points: [
        {
          id: catalogId(model),
          vector: [1],
          payload: {
            collection: model.collection,
            model: model.model,
            dimension: model.dimension,
            distance: model.distance,
            write_target: model.writeTarget,
            created_at: model.createdAt,
          },
        },
      ],
    });
  }
}

function toModel(p: Record<string, unknown>): CatalogModel {
  return {
    collection: String(p.collection),
    model: String(p.model),
    dimension: Number(p.dimension),
    distance: p.distance as Distance,
    writeTarget: Boolean(p.write_target),
    createdAt: String(p.created_at),
  };
}
