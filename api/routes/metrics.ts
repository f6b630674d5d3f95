import { taskQueueCondition } from '../../core/temporal.js';
import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { Gauge } from 'prom-client';
import { aggregatedMetrics, apiRegistry } from '../../core/metrics.js';
import { VERSION } from '../../core/version.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';

const STATUSES: Record<'import' | 'export', string[]> = {
  import: ['running', 'completed', 'completed_with_errors', 'failed'],
  export: ['running', 'completed', 'failed'],
};
const started = Date.now();

/** Import/export jobs Temporal holds for this task queue, by kind and status (visibility counts). */
async function jobCounts(client: Client, queue: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [kind, statuses] of Object.entries(STATUSES)) {
    out[kind] = {};
    for (const status of statuses) {
      const { count } = await client.workflow.count(
        `VecflowKind = '${kind}' AND VecflowStatus = '${status}' AND ${taskQueueCondition(queue)}`,
      );
      out[kind][status] = count;
    }
  }
  return out;
}

// Prometheus metrics (this process's, summed with the workers') and a JSON summary.
export function metricsRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const queue = deps.config.env.VECFLOW_TASK_QUEUE;
  apiRegistry.removeSingleMetric('vecflow_job_records');
  new Gauge({
    name: 'vecflow_job_records',
    help: 'Import/export jobs on record in Temporal, by kind and status',
    labelNames: ['kind', 'status'],
    registers: [apiRegistry],
    async collect() {
      const counts = await jobCounts(deps.temporal, queue).catch(() => null);
      for (const [kind, byStatus] of Object.entries(counts ?? {}))
        for (const [status, n] of Object.entries(byStatus)) this.set({ kind, status }, n);
    },
  });
  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/metrics/prometheus',
      summary: 'Prometheus metrics: job counts and durations, rows by format and result, bytes, HTTP',
      tags: ['monitoring'],
    },
    async (_req, res) => {
      const m = await aggregatedMetrics(deps.config.env.VECFLOW_WORKER_METRICS_URLS);
      if (m.unreachable.length) res.set('x-vecflow-unreachable-workers', m.unreachable.join(','));
      res.type(m.contentType).send(m.text);
    },
  );
  route(
    router,
    openapi,
    {
      method: 'get',
      path: '/stats',
      summary: 'Service stats: jobs by status, datasets and their sizes',
      tags: ['monitoring'],
    },
    async (_req, res) => {
      const store = await deps.store.get();
      const catalog = await store.catalog();
      const datasets = [];
      for (const c of catalog.slice(0, 100)) {
        const blue = c.models.find((m) => m.model === c.blue);
        datasets.push({
          dataset_id: c.collection,
          model: c.blue,
          dimension: blue?.dimension ?? null,
          vectors: blue ? await store.count({ collection: c.collection, model: blue.model }) : 0,
        });
      }
      res.json({
        version: VERSION,
        uptime_seconds: Math.round((Date.now() - started) / 1000),
        store: store.kind,
        jobs: await jobCounts(deps.temporal, queue),
        datasets,
        datasets_total: catalog.length,
      });
    },
  );
  return router;
}
