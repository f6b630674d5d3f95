import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  ScheduleAlreadyRunning,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { VecflowError } from '../core/errors.js';
import { EmbedderError } from '../embedders/port.js';
import type { Logger } from '../core/logger.js';

// Every error leaves the API as JSON `{detail, code, request_id, errors?}`. Client mistakes are
// 4xx; only a fault of ours or a dependency is 5xx.
interface HttpError {
  status: number;
  code: string;
  detail: string;
  errors?: unknown;
}

function classify(err: unknown): HttpError {
  if (err instanceof VecflowError) {
    return {
      status: err.status,
      code: err.code,
      detail: err.message,
      errors: Array.isArray(err.details) ? err.details : undefined,
    };
  }
  if (err instanceof WorkflowNotFoundError) return { status: 404, code: 'not_found', detail: err.message };
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return { status: 409, code: 'conflict', detail: err.message };
  if (err instanceof EmbedderError) {
    // The model refused the input itself: the caller's to fix. Otherwise the embedder is down
    // (retryable) or misconfigured (its 401/403/404 say nothing about the caller's request).
    if ([400, 413, 422].includes(err.upstreamStatus ?? 0) || (!err.retryable && err.upstreamStatus === undefined))
      return { status: 400, code: 'invalid_argument', detail: `the embedding model refused the input: ${err.message}` };
    return err.retryable
      ? { status: 503, code: 'unavailable', detail: `the embedding service is unavailable: ${err.message}` }
      : { status: 502, code: 'bad_gateway', detail: `the embedding service refused the request: ${err.message}` };
  }
  if (err instanceof ScheduleAlreadyRunning)
    return {
      status: 409,
      code: 'conflict',
      detail: `a schedule with id ${JSON.stringify(err.scheduleId)} already exists`,
    };
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; code?: unknown };
  // body-parser and friends mark their errors with an HTTP status.
  if (e.type === 'entity.too.large')
    return {
      status: 413,
      code: 'payload_too_large',
      detail: 'request body is larger than the configured limit (VECFLOW_BODY_LIMIT)',
    };
  if (e.type === 'entity.parse.failed')
    return { status: 400, code: 'invalid_json', detail: `request body is not valid JSON: ${e.message}` };
  const status = e.status ?? e.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { status, code: 'bad_request', detail: e.message ?? 'bad request' };
  // gRPC UNAVAILABLE / DEADLINE_EXCEEDED from Temporal (the client's ServiceError carries it as
  // its cause), connection refusals from the store.
  const down = causes(err).find((c) => c.code === 14 || c.code === 4 || c.code === 'ECONNREFUSED');
  if (down)
    return { status: 503, code: 'unavailable', detail: `a dependency is unavailable: ${e.message ?? down.message}` };
  // A missing socket (the embedded store not running): the server's paths stay in its log.
  if (e.code === 'ENOENT')
    return {
      status: 503,
      code: 'unavailable',
      detail: 'a dependency is unavailable; see the server log for the request id',
    };
  return { status: 500, code: 'internal', detail: 'internal error; see the server log for the request id' };
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const http = classify(err);
    // A dependency that is down is one line each time (no stack); anything else is a bug to read.
    if (http.status === 503)
      log.warn({ requestId: res.locals.requestId, path: req.path, reason: http.detail }, 'dependency unavailable');
    else if (http.status >= 500) log.error({ err, requestId: res.locals.requestId, path: req.path }, 'request failed');
    if (res.headersSent) return res.end();
    res.status(http.status).json({
      detail: http.detail,
      code: http.code,
      request_id: res.locals.requestId,
      ...(http.errors ? { errors: http.errors } : {}),
    });
  };
}

export const notFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ detail: `no route ${req.method} ${req.path}`, code: 'not_found', request_id: res.locals.requestId });
};

/** The error and its causes, outermost first (at most 5 deep). */
function causes(err: unknown): { code?: unknown; message?: string }[] {
  const out: { code?: unknown; message?: string }[] = [];
  for (
    let e = err as { code?: unknown; message?: string; cause?: unknown } | undefined;
    e && out.length < 5;
    e = e.cause as typeof e
  )
    out.push(e);
  return out;
}
