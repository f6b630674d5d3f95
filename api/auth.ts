import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

// API keys: `Authorization: ApiKey <key>` or `Authorization: Bearer <key>` — an HTTP header, or
// gRPC metadata of the same name. Keys are compared as SHA-256 digests in constant time, so
// neither length nor prefix leaks through timing.
const digest = (s: string) => createHash('sha256').update(s).digest();

/** Whether an `authorization` value carries one of `keys`; always true when no keys are set. */
export function keyChecker(keys: string[]): (authorization: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (authorization) => {
    if (digests.length === 0) return true;
    const match = /^(?:ApiKey|Bearer)\s+(.+)$/i.exec(authorization ?? '');
    const given = match ? digest(match[1].trim()) : null;
    return !!given && digests.some((d) => timingSafeEqual(d, given));
  };
}

export function requireApiKey(keys: string[]): RequestHandler {
  const allowed = keyChecker(keys);
  return (req, res, next) => {
    if (allowed(req.get('authorization'))) return next();
    res.status(401).set('WWW-Authenticate', 'ApiKey, Bearer').json({
      detail: 'missing or invalid API key: send Authorization: ApiKey <key> or Bearer <key>',
      code: 'unauthorized',
      request_id: res.locals.requestId,
    });
  };
}
