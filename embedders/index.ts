import type { ModelConfig } from '../core/config.js';
import { NotFoundError } from '../core/errors.js';
import { HashingEmbedder } from './hashing.js';
import { OpenAiEmbedder } from './openai.js';
import type { Embedder } from './port.js';

export function createEmbedder(model: ModelConfig, env: NodeJS.ProcessEnv = process.env): Embedder {
  if (model.kind === 'hashing') return new HashingEmbedder(model.id, model.dimension, model.distance);
  return new OpenAiEmbedder({
    id: model.id,
    dimension: model.dimension,
    distance: model.distance,
    baseUrl: model.base_url,
    model: model.model,
    apiKey: model.api_key_env ? env[model.api_key_env] : undefined,
    batchSize: model.batch_size,
    timeoutMs: model.timeout_ms,
    sendDimensions: model.send_dimensions,
  });
}

/** The configured models, each with its embedder, looked up by id. */
export class EmbedderRegistry {
  private readonly embedders = new Map<string, Embedder>();

  constructor(models: ModelConfig[], env: NodeJS.ProcessEnv = process.env) {
    for (const m of models) this.embedders.set(m.id, createEmbedder(m, env));
  }

  get(id: string): Embedder {
    const e = this.embedders.get(id);
    if (!e)
      throw new NotFoundError(`unknown embedding model ${JSON.stringify(id)}; configured: ${this.ids().join(', ')}`);
    return e;
  }

  has(id: string): boolean {
    return this.embedders.has(id);
  }

  ids(): string[] {
    return [...this.embedders.keys()];
  }
}
