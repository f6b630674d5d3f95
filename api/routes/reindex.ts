import { collectionJson } from '../collections/service.js';
import { Router } from 'express';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { parseFilter } from '../../core/filter.js';
import { assertName } from '../../core/names.js';
import { EmbedderRegistry } from '../../embedders/index.js';
import type { ApiDeps } from '../deps.js';
import { requireRole } from '../auth.js';
import { listJobs } from '../jobs.js';
import type { OpenApiRegistry } from '../openapi.js';
import { BlueBody, ReindexBody, SearchBody } from '../reindex/schemas.js';
import { ReindexService } from '../reindex/service.js';
import { route } from '../route.js';
import { ListQuery } from '../tasks/schemas.js';
import { parse } from '../validate.js';

// Reindex tasks, the blue pointer, and search (to compare a new model's results with blue's).
export function reindexRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new ReindexService(deps);
  const embedders = new EmbedderRegistry(deps.config.models);
  const tags = ['reindex'];
  const base = '/internal/reindex-tasks';

  route(
    router,
    openapi,
    {
      method: 'post',
      path: `${base}/run`,
      summary: 'Start a reindex from one embedding model to another',
      tags,
      body: ReindexBody,
      responses: { 200: 'The task', 400: 'Invalid request', 404: 'Unknown collection or model' },
    },
    async (req, res) => {
      const body = parse(ReindexBody, req.body, 'body');
      if (body.deploy_as_blue) requireRole(res, 'admin', 'deploy_as_blue');
      res.json(await service.start(body));
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: base, summary: 'List reindex tasks', tags, query: ListQuery },
    async (req, res) => {
      const q = parse(ListQuery, req.query, 'query');
      res.json({ tasks: await listJobs(deps, 'reindex', q), limit: q.limit, offset: q.offset });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'get',
      path: `${base}/{task_id}`,
      summary: 'A reindex task: status, children, progress, failures',
      tags,
      responses: { 200: 'The task', 404: 'Unknown task' },
    },
    async (req, res) => {
      res.json(await service.get(String(req.params.task_id)));
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: `${base}/{task_id}/cancel`,
      summary: 'Cancel a reindex: children canceled, destination unregistered, blue untouched',
      tags,
    },
    async (req, res) => {
      res.json(await service.cancel(String(req.params.task_id)));
    },
  );

  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/internal/collections/blue',
      summary: 'The blue model of every collection',
      tags: ['collections'],
    },
    async (_req, res) => {
      const catalog = await (await deps.store.get()).catalog();
      res.json({ collections: catalog.map((c) => ({ collection: c.collection, embedding_model_id: c.blue })) });
    },
  );
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/internal/collections/blue',
      summary: 'Switch blue by hand (atomic)',
      tags: ['collections'],
      role: 'admin',
      body: BlueBody,
      responses: { 200: 'The collection', 404: "That model's collection does not exist" },
    },
    async (req, res) => {
      const body = parse(BlueBody, req.body, 'body');
      const store = await deps.store.get();
      const ref = { collection: body.collection, model: body.embedding_model_id };
      await store.setBlue(ref);
      await store.setWriteTarget(ref, false);
      res.json(collectionJson((await store.catalog(body.collection))[0]));
    },
  );

  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/collections/{collection}/search',
      summary: 'Nearest neighbours by text or vector, in blue or a given model',
      tags: ['collections'],
      role: 'read',
      body: SearchBody,
    },
    async (req, res) => {
      const collection = assertName('collection', String(req.params.collection));
      const body = parse(SearchBody, req.body, 'body');
      const store = await deps.store.get();
      const model = body.embedding_model_id ?? (await store.getBlue(collection));
      if (!model) throw new NotFoundError(`collection ${collection} does not exist or has no blue model`);
      const filter = parseFilter(typeof body.filter === 'string' ? parseJson(body.filter) : body.filter);
      const vector = body.vector ? Float32Array.from(body.vector) : (await embedders.get(model).embed([body.text!]))[0];
      const hits = await store.search({ collection, model }, vector, { k: body.k, filter });
      res.json({
        collection,
        embedding_model_id: model,
        results: hits.map((h) => ({ id: h.id, score: h.score, payload: h.payload })),
      });
    },
  );
  return router;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`filter is not valid JSON: ${(err as Error).message}`, [
      { field: 'body.filter', message: 'not valid JSON' },
    ]);
  }
}
