import { Router } from 'express';
import { z } from 'zod';
import { cancelAnyJob, getAnyJob } from '../any-job.js';
import type { ApiDeps } from '../deps.js';
import { listJobs } from '../jobs.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { ListQuery } from '../tasks/schemas.js';
import { parse } from '../validate.js';

// Every job, whatever its kind (tasks, Vald writes, reindex, backup, restore, verify, import,
// export, provision): list, get and cancel by id — what `vecflow jobs`, `status` and `cancel` use.
const JobsQuery = ListQuery.extend({
  kind: z
    .string()
    .regex(/^[a-z][a-z-]{0,39}$/, 'a job kind, e.g. backup, restore, import, export, reindex, upsertion')
    .optional(),
});

export function jobRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const tags = ['jobs'];
  route(
    router,
    openapi,
    { method: 'get', path: '/jobs', summary: 'List jobs of every kind, newest first', tags, query: JobsQuery },
    async (req, res) => {
      const q = parse(JobsQuery, req.query, 'query');
      res.json({ jobs: await listJobs(deps, q.kind ?? null, q), limit: q.limit, offset: q.offset });
    },
  );
  route(
    router,
    openapi,
    { method: 'get', path: '/jobs/{id}', summary: 'Any job: status, state, retries in progress', tags },
    async (req, res) => {
      res.json(await getAnyJob(deps, String(req.params.id)));
    },
  );
  route(
    router,
    openapi,
    { method: 'post', path: '/jobs/{id}/cancel', summary: 'Cancel a running job of any kind', tags },
    async (req, res) => {
      res.json(await cancelAnyJob(deps, String(req.params.id)));
    },
  );
  return router;
}
