import { Router } from 'express';
import type { TaskKind } from '../../workflows/task-loop.js';
import type { ApiDeps } from '../deps.js';
import { listJobs } from '../jobs.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { DeletionBody, ListQuery, UpsertionBody } from '../tasks/schemas.js';
import { EmbeddingTaskService } from '../tasks/service.js';
import { parse } from '../validate.js';

// Embedding Studio's task routes, for upsertion and deletion alike:
// run (items / categories), get, list, cancel, restart.
const KINDS: { kind: TaskKind; path: string }[] = [
  { kind: 'upsertion', path: '/embeddings/upsertion-tasks' },
  { kind: 'deletion', path: '/embeddings/deletion-tasks' },
];

export function embeddingTaskRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new EmbeddingTaskService(deps);
  for (const { kind, path } of KINDS) {
    const body = kind === 'upsertion' ? UpsertionBody : DeletionBody;
    const tags = [`${kind} tasks`];
    for (const [suffix, fixed] of [
      ['/run', undefined],
      ['/categories/run', 'categories'],
    ] as const) {
      route(
        router,
        openapi,
        {
          method: 'post',
          path: path + suffix,
          summary: `Start a ${kind} task${fixed ? ' on the categories collection' : ''}`,
          tags,
          body,
          responses: {
            200: 'The task (existing one for a known task_id)',
            400: 'Invalid request',
            404: 'Unknown collection',
            409: 'Task id used by another kind of task',
          },
        },
        async (req, res) => {
          const b = parse(body, req.body, 'body');
          const collection = fixed ?? b.collection ?? 'items';
          const items = 'items' in b ? b.items : b.object_ids;
          res.json(await service.start(kind, collection, b.task_id ?? b.id, items));
        },
      );
    }
    route(
      router,
      openapi,
      {
        method: 'get',
        path,
        summary: `List ${kind} tasks (Temporal visibility), newest first`,
        tags,
        query: ListQuery,
      },
      async (req, res) => {
        const q = parse(ListQuery, req.query, 'query');
        res.json({ tasks: await listJobs(deps, kind, q), limit: q.limit, offset: q.offset });
      },
    );
    route(
      router,
      openapi,
      {
        method: 'get',
        path: `${path}/{task_id}`,
        summary: `A ${kind} task's status and failures`,
        tags,
        responses: { 200: 'The task', 404: 'Unknown task' },
      },
      async (req, res) => {
        res.json(await service.get(kind, String(req.params.task_id)));
      },
    );
    route(
      router,
      openapi,
      {
        method: 'post',
        path: `${path}/{task_id}/cancel`,
        summary: `Cancel a running ${kind} task`,
        tags,
        responses: { 200: 'The task', 404: 'Unknown task', 409: 'Already ended' },
      },
      async (req, res) => {
        res.json(await service.cancel(kind, String(req.params.task_id)));
      },
    );
    route(
      router,
      openapi,
      {
        method: 'post',
        path: `${path}/{task_id}/restart`,
        summary: `Run a failed or canceled ${kind} task again`,
        tags,
        responses: { 200: 'The task', 404: 'Unknown task', 409: 'Not failed' },
      },
      async (req, res) => {
        res.json(await service.restart(kind, String(req.params.task_id)));
      },
    );
  }
  return router;
}
