import type { RequestHandler } from 'express';

// Browsers are a way in too: any web page the user visits can send "simple" cross-origin
// requests (streams, multipart) to a loopback API, and a DNS-rebound name reaches it with a Host
// of the attacker's choosing. So: without API keys, only loopback names are answered; with keys,
// VECFLOW_ALLOWED_HOSTS restricts the names when set. A state-changing request from a page of
// another origin is refused in both modes (clients that are not browsers send no Origin).
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a Host header or an origin's authority (`name[:port]`, `[v6]:port`), lowercased. */
export function hostName(authority: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(authority);
  if (v6) return v6[1].toLowerCase();
  return authority.replace(/:\d+$/, '').toLowerCase();
}

function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? hostName(url.host) : null;
  } catch {
    return null; // "null" (sandboxed pages, file://) and anything unparsable
  }
}

export function guardHostAndOrigin(options: { keys: boolean; allowedHosts: string[] }): RequestHandler {
  const named = options.keys ? options.allowedHosts : [...LOOPBACK, ...options.allowedHosts];
  const refuse = (res: Parameters<RequestHandler>[1], detail: string) =>
    res.status(403).json({ detail, code: 'forbidden', request_id: res.locals.requestId });
  return (req, res, next) => {
    const host = hostName(req.get('host') ?? '');
    if (named.length > 0 && !named.includes(host))
      return refuse(
        res,
        options.keys
          ? 'this host name is not in VECFLOW_ALLOWED_HOSTS'
          : 'without API keys the API answers to localhost, 127.0.0.1 and [::1] only',
      );
    const origin = req.get('origin');
    if (origin !== undefined && !SAFE_METHODS.has(req.method)) {
      const from = originHost(origin);
      // With keys and no list, the page must come from the name the API was reached by.
      const allowed = named.length > 0 ? named : [host];
      if (from === null || !allowed.includes(from))
        return refuse(res, 'cross-origin request refused: the Origin is not a host this API answers to');
    }
    next();
  };
}
