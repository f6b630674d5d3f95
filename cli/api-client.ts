import path from 'node:path';

// The CLI is a client of the vecflow API — the local `npm start` stack by default, any other
// by VECFLOW_API_URL (+ VECFLOW_API_KEY) — so it finds the stack by its address, never by the
// directory it runs in, and works from a laptop against a remote deployment too.
export const EXIT = {
  done: 0,
  failed: 1,
  /** Usage or configuration: bad flags, a refused request (4xx), an unreachable API. */
  usage: 2,
  canceled: 3,
  /** Completed, but some rows or items failed (import, tasks). */
  rowErrors: 4,
  /** Ctrl-C while following: the job goes on. */
  detached: 130,
} as const;

/** An error that ends the command with this exit code and message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * A file the user named, read by `read`; any error (no such file, a directory, bad JSON) ends
 * the command as a usage error that names the file and says why (`ENOENT`, `EISDIR`, …).
 */
export async function readUserFile<T>(
  file: string,
  read: (file: string) => Promise<T>,
  label = 'cannot read',
): Promise<T> {
  try {
    return await read(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`${label} ${file}: ${e.code ?? e.message}`, EXIT.usage);
  }
}

export interface ApiTarget {
  url: string;
  key?: string;
  /** On this machine: relative paths then resolve against the caller's working directory. */
  local: boolean;
}

export function apiTarget(env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = (env.VECFLOW_API_URL ?? `http://127.0.0.1:${env.PORT || 8000}`).replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new CliError(`VECFLOW_API_URL=${url} is not a URL (e.g. http://127.0.0.1:8000)`, EXIT.usage);
  }
  return {
    url,
    key: env.VECFLOW_API_KEY || undefined,
    local: ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host),
  };
}

export type Json = Record<string, unknown>;

/** One API call; 4xx → CliError(usage) with the API's message, unreachable → CliError(usage). */
export async function callApi(
  target: ApiTarget,
  route: string,
  init: { method?: string; body?: unknown; form?: FormData } = {},
): Promise<Json> {
  const headers: Record<string, string> = {};
  if (target.key) headers.authorization = `ApiKey ${target.key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(target.url + route, {
      method: init.method ?? (init.body === undefined && !init.form ? 'GET' : 'POST'),
      headers,
      body: init.form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new CliError(
      `no vecflow API at ${target.url} (${cause}): start the stack (\`npm start\`) or set VECFLOW_API_URL`,
      EXIT.usage,
    );
  }
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text) as Json;
  } catch {
    body = { message: text };
  }
  if (!res.ok) {
    const errors = Array.isArray(body.errors)
      ? (body.errors as { path?: unknown; message?: string }[]).map((e) => `\n  ${String(e.path ?? '')}: ${e.message}`)
      : [];
    throw new CliError(
      `${String(body.detail ?? body.message ?? text)}${errors.join('')}`,
      res.status < 500 ? EXIT.usage : EXIT.failed,
    );
  }
  return body;
}

/**
 * A backup directory as the caller means it: with the stack on this machine a relative path is
 * the caller's (resolved against the working directory); against a remote API it resolves there.
 */
export function callerDir(target: ApiTarget, dir: string | undefined): string | undefined {
  if (dir === undefined) return undefined;
  return target.local && !path.isAbsolute(dir) ? path.resolve(dir) : dir;
}

/** Prints JSON for machines (stdout); bigints as strings. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
}
