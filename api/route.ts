import type { NextFunction, Request, Response, Router } from 'express';
import { requireRole } from './auth.js';
import { type OpenApiRegistry, type OperationSpec, roleOf } from './openapi.js';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/**
 * Registers an Express route and its OpenAPI entry together, so the document never drifts. The
 * route's role is checked before its handler runs (403 with a JSON body when the key lacks it).
 */
export function route(
  router: Router,
  openapi: OpenApiRegistry,
  spec: OperationSpec & { prefix?: string },
  handler: Handler,
): void {
  const full = (spec.prefix ?? '/api/v1') + spec.path;
  openapi.add({ ...spec, path: full });
  const needed = roleOf(spec);
  router[spec.method](spec.path.replace(/\{(\w+)\}/g, ':$1'), (req, res, next) => {
    res.locals.route = full; // the metrics' route label, kept even when the handler fails
    if (!spec.public) {
      try {
        requireRole(res, needed, `${spec.method.toUpperCase()} ${full}`);
      } catch (err) {
        return next(err);
      }
    }
    return handler(req, res, next);
  });
}
