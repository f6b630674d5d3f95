import type { Point } from '../../core/types.js';

/** Deterministic pseudo-random numbers, so a failing test fails the same way every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

export function randomVector(dim: number, next: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = next() * 2 - 1;
  return v;
}

export function makePoint(
  id: string,
  dim: number,
  next: () => number,
  payload: Record<string, unknown> = {},
  ts = 1n,
): Point {
  return { id, vector: randomVector(dim, next), payload, timestamp: ts };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function bytesOf(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
}
