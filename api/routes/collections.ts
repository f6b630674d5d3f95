import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../core/errors.js';
import { assertName } from '../../core/names.js';
import type { provisionCollectionWorkflow } from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { parse } from '../validate.js';

const ProvisionBody = z.object({
  collection: z.string().min(1),
  embedding_model_id: z.string().min(1),
  deploy_as_blue: z.boolean().default(false),
});

/** The catalog: logical collections, their physical collections (one per model) and blue. */
export function collectionRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  route(
    router,
    openapi,
    { method: 'get', path: '/collections', summary: 'List collections, their models and blue', tags: ['collections'] },
    async (_req, res) => {
      const store = await deps.store.get();
      res.json({ collections: await store.catalog() });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/internal/collections',
      summary: 'Create the physical collection of a model (optionally as blue), as a workflow',
      tags: ['collections'],
      body: ProvisionBody,
      responses: { 200: 'The collection after provisioning', 400: 'Invalid request', 404: 'Unknown model' },
    },
    async (req, res) => {
      const body = parse(ProvisionBody, req.body, 'body');
      assertName('collection', body.collection);
      if (!deps.config.models.some((m) => m.id === body.embedding_model_id)) {
        throw new NotFoundError(`unknown embedding model ${JSON.stringify(body.embedding_model_id)}`);
      }
      const entry = await deps.temporal.workflow.execute<typeof provisionCollectionWorkflow>(
        'provisionCollectionWorkflow',
        {
          taskQueue: deps.config.env.VECFLOW_TASK_QUEUE,
          workflowId: `provision-${body.collection}-${body.embedding_model_id}`,
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [body],
        },
      );
      res.json(entry);
    },
  );
  return router;
}
