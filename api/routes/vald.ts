import { type ErrorRequestHandler, Router } from 'express';
import { z } from 'zod';
import { VecflowError, errorMessage } from '../../core/errors.js';
import { assertName, nameSchema } from '../../core/names.js';
import {
  type CodeName,
  HTTP_STATUS,
  type ValdOp,
  type ValdResult,
  parseTimestampConditions,
  status,
} from '../../core/vald.js';
import type { ApiDeps } from '../deps.js';
import type { OpenApiRegistry } from '../openapi.js';
import { route } from '../route.js';
import { ValdService } from '../vald/service.js';
import { RemoveByTimestampBody, ValdRemoveRequest, ValdWriteRequest, multi } from '../vald/schemas.js';
import { handleStream } from '../vald/stream.js';

// A JSON mirror of Vald's Insert/Update/Upsert/Remove/Object services under /api/v1/vald/.
// Errors are Vald statuses: {code (numeric gRPC code), status, message}.
const OPS: ValdOp[] = ['insert', 'update', 'upsert', 'remove'];
const CollectionQuery = z.object({ collection: nameSchema().default('items') });
/** `?collection=`: a valid name (INVALID_ARGUMENT otherwise, naming it), else the default. */
const collectionOf = (q: unknown) => {
  const given = (q as Record<string, unknown> | undefined)?.collection;
  return given === undefined ? 'items' : assertName('collection', given);
};

function sendResult(res: import('express').Response, result: ValdResult): void {
  if ('location' in result) res.json(result.location);
  else res.status(HTTP_STATUS[result.status.status]).json(result.status);
}

const VALD_NAME: Record<number, CodeName> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  413: 'INVALID_ARGUMENT',
  503: 'UNAVAILABLE',
};
const valdErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  const http = err instanceof VecflowError ? err.status : typeof err?.status === 'number' ? err.status : 500;
  const name = VALD_NAME[http] ?? 'INTERNAL';
  res.status(HTTP_STATUS[name]).json(status(name, name === 'INTERNAL' ? 'internal error' : errorMessage(err)).status);
};

/** Stream routes read the raw body, so they are mounted before the JSON body parser. */
export function valdStreamRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new ValdService(deps);
  for (const op of OPS) {
    route(
      router,
      openapi,
      {
        method: 'post',
        path: `/vald/stream-${op}`,
        summary: `Vald Stream${op[0].toUpperCase() + op.slice(1)}: NDJSON requests in, NDJSON results out`,
        tags: ['vald'],
        query: CollectionQuery,
      },
      async (req, res) => {
        await handleStream(service, collectionOf(req.query), op, req, res);
      },
    );
  }
  router.use('/vald', valdErrors);
  return router;
}

export function valdRoutes(deps: ApiDeps, openapi: OpenApiRegistry): Router {
  const router = Router();
  const service = new ValdService(deps);
  const tags = ['vald'];
  for (const op of OPS) {
    const name = op[0].toUpperCase() + op.slice(1);
    const request = op === 'remove' ? ValdRemoveRequest : ValdWriteRequest;
    route(
      router,
      openapi,
      {
        method: 'post',
        path: `/vald/${op}`,
        summary: `Vald ${name}: one request, a Location or a status`,
        tags,
        query: CollectionQuery,
        body: request,
        responses: { 200: 'Location', 400: 'INVALID_ARGUMENT', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS / ABORTED' },
      },
      async (req, res) => {
        const [result] = await service.apply(collectionOf(req.query), op, [req.body], 'single');
        sendResult(res, result);
      },
    );
    route(
      router,
      openapi,
      {
        method: 'post',
        path: `/vald/multi-${op}`,
        summary: `Vald Multi${name}: non-atomic; results index-aligned with requests`,
        tags,
        query: CollectionQuery,
        body: multi(request),
      },
      async (req, res) => {
        const requests = (req.body as { requests?: unknown })?.requests;
        if (!Array.isArray(requests) || requests.length === 0)
          return sendResult(res, status('INVALID_ARGUMENT', 'requests must be a non-empty array'));
        res.json({ results: await service.apply(collectionOf(req.query), op, requests, 'batch') });
      },
    );
  }
  route(
    router,
    openapi,
    {
      method: 'post',
      path: '/vald/remove-by-timestamp',
      summary: 'Vald RemoveByTimestamp: conditions ANDed; an empty list is refused',
      tags,
      role: 'admin',
      query: CollectionQuery,
      body: RemoveByTimestampBody,
    },
    async (req, res) => {
      const conditions = parseTimestampConditions(req.body);
      const locations = await service.removeByTimestamp(collectionOf(req.query), conditions);
      res.json({ locations: locations.map((l) => ('location' in l ? l.location : l)) });
    },
  );
  const lookup = async (collection: string, id: string) => {
    const { model } = await service.dimension(collection);
    const [point] = await (await deps.store.get()).get({ collection, model }, [id]);
    return point;
  };
  for (const [what, shape] of [
    ['exists', (p: { id: string }) => ({ id: p.id })],
    [
      'object',
      (p: { id: string; vector: Float32Array; timestamp: bigint }) => ({
        id: p.id,
        vector: Array.from(p.vector),
        timestamp: p.timestamp.toString(),
      }),
    ],
    ['timestamp', (p: { id: string; timestamp: bigint }) => ({ id: p.id, timestamp: p.timestamp.toString() })],
  ] as const) {
    route(
      router,
      openapi,
      {
        method: 'get',
        path: `/vald/${what}/{id}`,
        summary: `Vald ${what}: by id`,
        tags,
        query: CollectionQuery,
        responses: { 200: 'Found', 404: 'NOT_FOUND' },
      },
      async (req, res) => {
        const id = String(req.params.id);
        const point = await lookup(collectionOf(req.query), id);
        if (!point) return sendResult(res, status('NOT_FOUND', `${id} does not exist`));
        res.json(shape(point as never));
      },
    );
  }
  router.use('/vald', valdErrors);
  return router;
}
