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

/** The catalog, for the API and the CLI: logical collections, their models and blue. */
export class CollectionService {
  constructor(private readonly deps: ApiDeps) {}

  async list(): Promise<CatalogEntry[]> {
    return (await this.deps.store.get()).catalog();
  }

  /** Creates the physical collection of a model (optionally as blue) through a workflow; idempotent. */
  async provision(body: z.infer<typeof ProvisionBody>): Promise<CatalogEntry> {
    assertName('collection', body.collection);
    if (!this.deps.config.models.some((m) => m.id === body.embedding_model_id)) {
      throw new NotFoundError(`unknown embedding model ${JSON.stringify(body.embedding_model_id)}`);
    }
    return this.deps.temporal.workflow.execute(provisionCollectionWorkflow, {
      taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
      workflowId: provisionWorkflowId(body.collection, body.embedding_model_id),
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [body],
    });
  }
}
