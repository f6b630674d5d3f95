import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Response } from 'express';
import { type HttpLogger, pinoHttp } from 'pino-http';
import type { Logger } from '../core/logger.js';

// One line per request: method, path, status, time and request id. No headers are logged at all
// (they carry API keys); a 5xx from a dependency being down (503) is a warning without a stack —
// not ready yet is expected while the stack starts. Faults of ours are logged with their stack
// by the error handler.
export function requestLog(log: Logger): HttpLogger {
  return pinoHttp({
    logger: log,
    genReqId: (_req, res) => (res as Response).locals.requestId,
    quietReqLogger: true,
    // The request line says what is needed; the full request (its headers) is never logged.
    serializers: { req: () => undefined, res: () => undefined },
    autoLogging: { ignore: (req) => req.url === '/health' },
    customLogLevel: (_req, res, err) =>
      res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : 'info',
    customSuccessMessage: (req, res, ms) => line(req, res, ms),
    customErrorMessage: (req, res) => line(req, res),
    customSuccessObject: (_req, res, val: { responseTime: number }) => ({
      status: res.statusCode,
      ms: val.responseTime,
    }),
    customErrorObject: (_req, res, _err, val: { responseTime: number }) => ({
      status: res.statusCode,
      ms: val.responseTime,
    }),
  });
}

function line(req: IncomingMessage, res: ServerResponse, ms?: number): string {
  return `${req.method} ${(req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url} ${res.statusCode}${ms === undefined ? '' : ` ${ms} ms`}`;
}
