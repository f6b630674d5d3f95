import type { Distance } from '../core/types.js';
import { type Embedder, EmbedderError } from './port.js';

export interface OpenAiOptions {
  id: string;
  dimension: number;
  distance: Distance;
  baseUrl: string;
  model: string;
  apiKey?: string;
  batchSize: number;
  timeoutMs: number;
  /** Send `dimensions` (models that can shorten their output, e.g. text-embedding-3-*). */
  sendDimensions: boolean;
}

// Any OpenAI-compatible /v1/embeddings endpoint. It does not retry by itself: 429, 5xx and
// network failures surface as retryable EmbedderErrors and the activity's retry policy backs
// off; other 4xx are final.
export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly distance: Distance;

  constructor(private readonly options: OpenAiOptions) {
    this.id = options.id;
    this.dimension = options.dimension;
    this.distance = options.distance;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.options.batchSize) {
      out.push(...(await this.batch(texts.slice(i, i + this.options.batchSize))));
    }
    return out;
  }

  private async batch(input: string[]): Promise<Float32Array[]> {
    const url = this.options.baseUrl.replace(/\/+$/, '') + '/embeddings';
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          input,
          encoding_format: 'float',
          ...(this.options.sendDimensions ? { dimensions: this.dimension } : {}),
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      throw new EmbedderError(`embedding request to ${url} failed: ${(err as Error).message}`, true);
    }
    if (!res.ok) {
      const body = (await res.text().catch(() => '')).slice(0, 500);
      const retryable = res.status === 429 || res.status >= 500;
      throw new EmbedderError(`embedding endpoint answered ${res.status}: ${body}`, retryable, res.status);
    }
    const json = (await res.json().catch(() => null)) as { data?: { index: number; embedding: number[] }[] } | null;
    if (!json || !Array.isArray(json.data) || json.data.length !== input.length) {
      throw new EmbedderError(
        `embedding endpoint returned ${json?.data?.length ?? 'no'} embeddings for ${input.length} texts`,
        true,
      );
    }
    return [...json.data]
      .sort((a, b) => a.index - b.index)
      .map((d, i) => {
        if (!Array.isArray(d.embedding) || d.embedding.length !== this.dimension) {
          throw new EmbedderError(
            `embedding ${i} has ${d.embedding?.length} dimensions, model ${this.id} declares ${this.dimension}`,
            false,
          );
        }
        return Float32Array.from(d.embedding);
      });
  }
}
