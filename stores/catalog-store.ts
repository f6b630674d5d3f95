import type { CollectionRef, PhysicalSpec } from '../core/types.js';
import type { CatalogEntry, CatalogModel } from './port.js';

/** The catalog half of a store: each adapter keeps it its own way (tables, a collection + aliases). */
export interface CatalogBackend {
  ensure(spec: PhysicalSpec): Promise<CatalogModel>;
  drop(ref: CollectionRef): Promise<void>;
  list(collection?: string): Promise<CatalogEntry[]>;
  getBlue(collection: string): Promise<string | null>;
  setBlue(ref: CollectionRef): Promise<void>;
  setWriteTarget(ref: CollectionRef, on: boolean): Promise<void>;
}

/** The catalog operations of the store port, served by the adapter's catalog backend. */
export abstract class CatalogBackedStore<C extends CatalogBackend> {
  protected constructor(protected readonly catalogBackend: C) {}

  ensureCollection(spec: PhysicalSpec): Promise<CatalogModel> {
    return this.catalogBackend.ensure(spec);
  }
  dropCollection(ref: CollectionRef): Promise<void> {
    return this.catalogBackend.drop(ref);
  }
  catalog(collection?: string): Promise<CatalogEntry[]> {
    return this.catalogBackend.list(collection);
  }
  getBlue(collection: string): Promise<string | null> {
    return this.catalogBackend.getBlue(collection);
  }
  setBlue(ref: CollectionRef): Promise<void> {
    return this.catalogBackend.setBlue(ref);
  }
  setWriteTarget(ref: CollectionRef, on: boolean): Promise<void> {
    return this.catalogBackend.setWriteTarget(ref, on);
  }
}
