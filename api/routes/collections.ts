import { Router } from 'express';
import { CollectionService, ProvisionBody } from '../collections/service.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { parse } from '../validate.js';

/** The catalog: logical collections, their physical collections (one per model) and blue. */
export function collectionRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new CollectionService(deps);
  route(
    router,
    openapi,
    { method: 'get', path: '/collections', summary: 'List collections, their models and blue', tags: ['collections'] },
    async (_req, res) => {
      res.json({ collections: await service.list() });
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
      role: 'admin',
      body: ProvisionBody,
      responses: { 200: 'The collection after provisioning', 400: 'Invalid request', 404: 'Unknown model' },
    },
    async (req, res) => {
      res.json(await service.provision(parse(ProvisionBody, req.body, 'body')));
    },
  );
  return router;
}
