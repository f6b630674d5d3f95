import pino from 'pino';
import pretty from 'pino-pretty';

// One logger for every process. On a terminal (or LOG_FORMAT=pretty) one readable line per event:
// time, process, level, message, key fields. Otherwise (containers, pipes, LOG_FORMAT=json) JSON.
// Secrets never reach a log line: known secret fields are redacted wherever they sit, and
// credentials in URLs (postgres://user:pass@…) are masked in every string logged.
export type Logger = pino.Logger;
export type LogFormat = 'pretty' | 'json';

const SECRET_KEYS = [
  'authorization',
  'cookie',
  'x-api-key',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'secretAccessKey',
  'sessionToken',
  'DATABASE_URL',
  'VECFLOW_API_KEYS',
  'VECFLOW_LANGCHAIN_DATABASE_URL',
  'QDRANT_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];
/** Each secret key at the top level, one level down, and under request/response headers. */
export const REDACTED_PATHS = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_]\w*$/.test(k) ? k : `["${k}"]`;
  const at = (base: string) => (key.startsWith('[') ? `${base}${key}` : `${base}.${key}`);
  return [key, at('*'), at('req.headers'), at('res.headers'), at('headers')];
});

const URL_CREDENTIALS = /(\/\/[^:/@\s]+):[^@/\s]+@/g;
/** Masks the password of every `scheme://user:password@host` in `text`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@');
}

/** Masks URL credentials in the strings of plain objects (errors go through the err serializer). */
function maskStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskStrings(v, depth + 1)]));
}

function serializeError(err: Error): Record<string, unknown> {
  const { type, message, stack, ...rest } = pino.stdSerializers.err(err);
  return { type, message: maskUrlCredentials(message), stack: maskUrlCredentials(stack), ...rest };
}

/** LOG_FORMAT when set, else pretty on a terminal and JSON anywhere else. */
export function logFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env.LOG_FORMAT === 'pretty' || env.LOG_FORMAT === 'json') return env.LOG_FORMAT;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** A process's logger; `destination` (stdout by default) is for tests. */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL || 'info',
  format: LogFormat = logFormat(),
  destination?: NodeJS.WritableStream,
): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: serializeError },
    formatters: { log: (fields) => maskStrings(fields) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? maskUrlCredentials(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      destination,
      colorize: !destination && Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      singleLine: true,
      errorLikeObjectKeys: ['err'],
      sync: true,
    }),
  );
}
