import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { VERSION } from '../core/version.js';
import { requireApiKey } from './auth.js';
import type { ApiDeps } from './deps.js';
import { errorHandler, notFound } from './errors.js';
import { OpenApiRegistry } from './openapi.js';
import { requestLog } from './request-log.js';
import { guardHostAndOrigin } from './origin.js';
import { httpRequests } from '../core/metrics.js';
import { backupRoutes } from './routes/backups.js';
import { datasetRoutes } from './routes/datasets.js';
import { jobRoutes } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { collectionRoutes } from './routes/collections.js';
import { embeddingTaskRoutes } from './routes/embedding-tasks.js';
import { healthRoutes } from './routes/health.js';
import { reindexRoutes } from './routes/reindex.js';
import { valdRoutes, valdStreamRoutes } from './routes/vald.js';

/** The Express app: request ids, logs, Host/Origin rules, body limits, API keys on /api/v1, JSON errors. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const openapi = new OpenApiRegistry(VERSION);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    res.locals.requestId = given && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    res.set('x-request-id', res.locals.requestId);
    next();
  });
  app.use((req, res, next) => {
    res.on('finish', () =>
      httpRequests.inc({ method: req.method, route: res.locals.route ?? 'unmatched', status: String(res.statusCode) }),
    );
    next();
  });
  app.use(requestLog(deps.log));
  app.use(
    guardHostAndOrigin({
      keys: deps.config.env.VECFLOW_API_KEYS.length > 0,
      allowedHosts: deps.config.env.VECFLOW_ALLOWED_HOSTS,
    }),
  );
  app.use(healthRoutes(deps, openapi));

  const v1 = express.Router();
  v1.use(requireApiKey(deps.config.env.VECFLOW_API_KEYS));
  v1.use(valdStreamRoutes(deps, openapi));
  v1.use(express.json({ limit: deps.config.env.VECFLOW_BODY_LIMIT }));
  v1.use(collectionRoutes(deps, openapi));
  v1.use(embeddingTaskRoutes(deps, openapi));
  v1.use(valdRoutes(deps, openapi));
  v1.use(reindexRoutes(deps, openapi));
  v1.use(backupRoutes(deps, openapi));
  v1.use(datasetRoutes(deps, openapi));
  v1.use(metricsRoutes(deps, openapi));
  v1.use(jobRoutes(deps, openapi));
  v1.get('/openapi.json', (_req, res) => {
    res.json(openapi.document());
  });
  app.use('/api/v1', v1);

  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
