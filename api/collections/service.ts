import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { assertName, nameSchema } from '../../core/names.js';
import type { CatalogEntry } from '../../stores/port.js';
import { provisionWorkflowId } from '../../workflows/ids.js';
import { provisionCollectionWorkflow } from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';

export const ProvisionBody = z.object({
  collection: nameSchema(),
  embedding_model_id: nameSchema(),
  deploy_as_blue: z.boolean().default(false),
});

/** A catalog entry as the API answers it: snake_case, like every other field of the API. */
export interface CollectionJson {
  collection: string;
  blue: string | null;
  models: { model: string; dimension: number; distance: string; write_target: boolean }[];
}

export function collectionJson(e: CatalogEntry): CollectionJson {
  return {
    collection: e.collection,
    blue: e.blue,
    models: e.models.map((m) => ({
      model: m.model,
      dimension: m.dimension,
      distance: m.distance,
      write_target: m.writeTarget,
    })),
  };
}

/** The catalog, for the API and the CLI: logical collections, their models and blue. */
export class CollectionService {
  constructor(private readonly deps: ApiDeps) {}

  async list(): Promise<CollectionJson[]> {
    return (await (await this.deps.store.get()).catalog()).map(collectionJson);
  }

  /** Creates the physical collection of a model (optionally as blue) through a workflow; idempotent. */
  async provision(body: z.infer<typeof ProvisionBody>): Promise<CollectionJson> {
    assertName('collection', body.collection);
    if (!this.deps.config.models.some((m) => m.id === body.embedding_model_id)) {
      throw new NotFoundError(`unknown embedding model ${JSON.stringify(body.embedding_model_id)}`);
    }
    const entry = await this.deps.temporal.workflow.execute(provisionCollectionWorkflow, {
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      workflowId: provisionWorkflowId(
        body.collection,
        body.embedding_model_id,
        this.deps.config.env.VECFLOW_TASK_QUEUE,
      ),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [body],
    });
    return collectionJson(entry);
  }
}
