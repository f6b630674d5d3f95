import type { NextFunction, Request, Response, Router } from 'express';
import type { OpenApiRegistry, OperationSpec } from './openapi.js';

export type Handler = (req: Request, res: Response, next: NextFunction) => unknown;

/** Registers an Express route and its OpenAPI entry together, so the document never drifts. */
export function route(
  router: Router,
  openapi: OpenApiRegistry,
  spec: OperationSpec & { prefix?: string },
  handler: Handler,
): void {
  const full = (spec.prefix ?? '/api/v1') + spec.path;
  openapi.add({ ...spec, path: full });
  router[spec.method](spec.path.replace(/\{(\w+)\}/g, ':$1'), (req, res, next) => {
    res.locals.route = full; // the metrics' route label, kept even when the handler fails
    return handler(req, res, next);
  });
}
