import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { VecflowError } from '../core/errors.js';

// API keys: `Authorization: ApiKey <key>` or `Authorization: Bearer <key>` — an HTTP header, or
// gRPC metadata of the same name. Keys are compared as SHA-256 digests in constant time, so
// neither length nor prefix leaks through timing.
//
// Each VECFLOW_API_KEYS entry may end in a role, `key:read`, `key:write` or `key:admin`; a bare
// key is admin (keys set before roles existed keep working). A suffix that is not a role is part
// of the key, so a misspelt role fails closed: the client's key then matches nothing (401).
export const ROLES = ['read', 'write', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { read: 0, write: 1, admin: 2 };

export const roleAllows = (held: Role, needed: Role): boolean => RANK[held] >= RANK[needed];

export interface ApiKey {
  key: string;
  role: Role;
}

export function parseApiKey(entry: string): ApiKey {
  const at = entry.lastIndexOf(':');
  const suffix =
    at > 0
      ? entry
          .slice(at + 1)
          .trim()
          .toLowerCase()
      : '';
  return (ROLES as readonly string[]).includes(suffix)
    ? { key: entry.slice(0, at), role: suffix as Role }
    : { key: entry, role: 'admin' };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The role an `authorization` value grants: admin when no keys are configured, null when the
 * value is missing or carries no configured key.
 */
export function keyChecker(entries: string[]): (authorization: string | undefined) => Role | null {
  const keys = entries.map(parseApiKey).map((k) => ({ digest: digest(k.key), role: k.role }));
  return (authorization) => {
    if (keys.length === 0) return 'admin';
    const match = /^(?:ApiKey|Bearer)\s+(.+)$/i.exec(authorization ?? '');
    if (!match) return null;
    const given = digest(match[1].trim());
    // Compare against every key (no early exit), so timing does not tell which one matched.
    let role: Role | null = null;
    for (const k of keys) if (timingSafeEqual(k.digest, given)) role = k.role;
    return role;
  };
}

export class ForbiddenError extends VecflowError {
  constructor(needed: Role, held: Role, what: string) {
    super(`${what} needs an API key with the ${needed} role; this key has ${held}`, 'forbidden', 403);
  }
}

/** Throws 403 unless the request's key holds `needed` (set by requireApiKey; admin without keys). */
export function requireRole(res: Response, needed: Role, what: string): void {
  const held = (res.locals.role as Role | undefined) ?? 'admin';
  if (!roleAllows(held, needed)) throw new ForbiddenError(needed, held, what);
}

export function requireApiKey(keys: string[]): RequestHandler {
  const roleOf = keyChecker(keys);
  return (req, res, next) => {
    const role = roleOf(req.get('authorization'));
    if (role) {
      res.locals.role = role;
      return next();
    }
    res.status(401).set('WWW-Authenticate', 'ApiKey, Bearer').json({
      detail: 'missing or invalid API key: send Authorization: ApiKey <key> or Bearer <key>',
      code: 'unauthorized',
      request_id: res.locals.requestId,
    });
  };
}
