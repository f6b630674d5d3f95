import { FLOAT32_MAX, packVector, unpackVector } from './vald.js';

// Upsertion items are staged on disk between the API and the worker. A caller's vector is
// staged as the base64 of its float32 values (`vector_f32`) instead of JSON numbers: writing
// and re-reading 384 numbers as text cost more than the store's write itself (issue #15). Only
// vectors that convert exactly as the worker would convert them are packed; anything else
// (a non-number, NaN, a value beyond float32) stays as given, so the worker reports it per item.

/** The item as staged: `vector` packed into `vector_f32` when every value is a float32-range number. */
export function packItemVector(item: unknown): unknown {
  const vector = (item as { vector?: unknown } | null)?.vector;
  if (!Array.isArray(vector)) return item;
  for (const x of vector) if (typeof x !== 'number' || !(Math.abs(x) <= FLOAT32_MAX)) return item;
  const { vector: _given, ...rest } = item as Record<string, unknown>;
  return { ...rest, vector_f32: packVector(vector as number[]) };
}

/** A staged item's packed vector, if it has one. */
export function stagedVector(item: { vector_f32?: unknown }): Float32Array | undefined {
  return typeof item.vector_f32 === 'string' ? unpackVector(item.vector_f32) : undefined;
}
