// Shared data types. Workflow-safe: types only.

export type Distance = 'cosine' | 'dot' | 'euclid';
export const DISTANCES: Distance[] = ['cosine', 'dot', 'euclid'];

/** A stored item: the caller's id, its vector, a JSON payload and an int64 nanosecond timestamp. */
export interface Point {
  id: string;
  vector: Float32Array;
  payload: Record<string, unknown>;
  timestamp: bigint;
}

/** One physical collection: a (logical collection, embedding model) pair. */
export interface CollectionRef {
  collection: string;
  model: string;
}

export interface PhysicalSpec extends CollectionRef {
  dimension: number;
  distance: Distance;
}
