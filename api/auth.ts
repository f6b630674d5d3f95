import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

// API keys: `Authorization: ApiKey <key>` or `Authorization: Bearer <key>`. Keys are compared as
// SHA-256 digests in constant time, so neither length nor prefix leaks through timing.
const digest = (s: string) => createHash('sha256').update(s).digest();

export function requireApiKey(keys: string[]): RequestHandler {
  const digests = keys.map(digest);
  return (req, res, next) => {
    if (digests.length === 0) return next();
    const match = /^(?:ApiKey|Bearer)\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const given = match ? digest(match[1].trim()) : null;
    if (given && digests.some((d) => timingSafeEqual(d, given))) return next();
    res.status(401).set('WWW-Authenticate', 'ApiKey, Bearer').json({
      detail: 'missing or invalid API key: send Authorization: ApiKey <key> or Bearer <key>',
      code: 'unauthorized',
      request_id: res.locals.requestId,
    });
  };
}
