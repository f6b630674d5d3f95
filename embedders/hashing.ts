import { createHash } from 'node:crypto';
import type { Distance } from '../core/types.js';
import { type Embedder, EmbedderError } from './port.js';

// Deterministic feature hashing: each normalised token (and each pair of neighbouring tokens)
// adds ±1 to one bucket chosen by a hash, and the result is L2-normalised. Texts sharing words
// share buckets, so lexically similar texts are near each other under cosine distance. No model
// weights, no network: the default model and the one the tests use.
export class HashingEmbedder implements Embedder {
  constructor(
    readonly id: string,
    readonly dimension: number,
    readonly distance: Distance = 'cosine',
  ) {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text, i) => {
      const tokens = tokenize(text);
      if (tokens.length === 0) throw new EmbedderError(`text ${i} has nothing to embed (no letters or digits)`, false);
      const v = new Float64Array(this.dimension);
      const features = [...tokens, ...tokens.slice(1).map((t, j) => `${tokens[j]} ${t}`)];
      for (const feature of features) {
        const h = createHash('sha1').update(feature).digest();
        const bucket = h.readUInt32BE(0) % this.dimension;
        v[bucket] += h[4] & 1 ? 1 : -1;
      }
      let norm = 0;
      for (const x of v) norm += x * x;
      norm = Math.sqrt(norm) || 1;
      return Float32Array.from(v, (x) => x / norm);
    });
  }
}

export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}
