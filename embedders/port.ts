import type { Distance } from '../core/types.js';

// The embedder port: turns texts into vectors for one model.
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly distance: Distance;
  /** One vector per text, in order. Throws EmbedderError on failure. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** An embedding call failed. `retryable` says whether trying again may succeed (429, 5xx, network). */
export class EmbedderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The embedding service's HTTP status; never this API's own (an upstream 401 is not the caller's). */
    readonly upstreamStatus?: number,
  ) {
    super(message);
    this.name = 'EmbedderError';
  }
}
