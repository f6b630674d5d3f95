import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import bytes from 'bytes';
import { z } from 'zod';
import { ConfigError, ValidationError } from './errors.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/ids.js';
import { isName, nameSchema } from './names.js';
import { type TemporalConnection, temporalConnection } from './temporal-connection.js';

// Configuration: environment variables (validated at start-up) plus an optional JSON file that
// declares embedding models and collections. Built-in defaults make everything work with neither.

// Each variable's rule says what it expects, in words: the message a mistake stops the start with.
const unset = (v: unknown) => (v === '' ? undefined : v);
const optional = z.preprocess(unset, z.string().optional());
const wholeNumber = (expects: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number({ error: expects }).int({ error: expects }).min(min, { error: expects }).max(max, { error: expects });
const port = (def: number) => z.preprocess(unset, wholeNumber('a port number from 0 to 65535', 0, 65535).default(def));
const positive = (def: number) => z.preprocess(unset, wholeNumber('a whole number of 1 or more', 1).default(def));

const commaList = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);

export const EnvSchema = z.object({
  PORT: port(8000),
  /** Vald's gRPC API (vald.v1.*) on this port, beside HTTP; 0 turns it off. Vald's own default. */
  VECFLOW_GRPC_PORT: port(8081),
  /** The collection Vald calls address unless their metadata `vecflow-collection` names another. */
  VECFLOW_VALD_COLLECTION: optional
    .default('items')
    .refine((v) => isName(v), 'a collection name (1-63 of A-Z a-z 0-9 _ . -, no "__")'),
  VECFLOW_HOST: optional.default('127.0.0.1'),
  VECFLOW_DATA_DIR: optional.default('.data'),
  VECFLOW_CONFIG: optional,
  VECFLOW_API_KEYS: optional.transform(commaList),
  /** Host names the API answers to (Host and Origin), with keys set; without keys: loopback only. */
  VECFLOW_ALLOWED_HOSTS: optional.transform((v) => commaList(v).map((h) => h.toLowerCase())),
  VECFLOW_BODY_LIMIT: optional.default('60mb'),
  VECFLOW_TASK_QUEUE: optional.default(DEFAULT_TASK_QUEUE),
  VECFLOW_MAX_ACTIVITIES: positive(8),
  VECFLOW_PG_POOL_SIZE: positive(8),
  /** `npm start`: worker processes; above 1 the embedded store runs as a process of its own they share. */
  VECFLOW_WORKERS: z.preprocess(unset, wholeNumber('a whole number from 1 to 16', 1, 16).default(1)),
  /**
   * Embedded store only: `own` — this worker opens PGlite and serves it (one worker); `shared` —
   * connect to the store process serving `<data dir>/run` (several workers, `npm run store`).
   */
  VECFLOW_EMBEDDED_STORE: z.preprocess(unset, z.enum(['own', 'shared'], { error: 'own or shared' }).default('own')),
  /**
   * Embedded store: Postgres's shared buffers (PGlite's default 128MB). Larger keeps more of a
   * collection's pages in memory; the embedded database's memory grows by up to the difference.
   */
  VECFLOW_EMBEDDED_SHARED_BUFFERS: optional.refine(
    (v) => v === undefined || /^[1-9]\d*(kB|MB|GB)$/.test(v),
    'a size such as 512MB or 1GB (kB, MB or GB)',
  ),
  VECFLOW_TASK_MAX_ATTEMPTS: positive(8),
  VECFLOW_TEMPORAL_PORT: port(7233),
  VECFLOW_TEMPORAL_UI_PORT: port(8233),
  /** Temporal's own connection variables (@temporalio/envconfig; core/temporal-connection.ts resolves them). */
  TEMPORAL_ADDRESS: optional,
  /** Default `default` (or the profile's), applied with the profile in core/temporal-connection.ts. */
  TEMPORAL_NAMESPACE: optional,
  TEMPORAL_API_KEY: optional,
  TEMPORAL_TLS: z.preprocess(unset, z.enum(['true', 'false', '1', '0'], { error: 'true or false' }).optional()),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optional,
  TEMPORAL_TLS_CLIENT_CERT_DATA: optional,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optional,
  TEMPORAL_TLS_CLIENT_KEY_DATA: optional,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optional,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: optional,
  TEMPORAL_TLS_SERVER_NAME: optional,
  TEMPORAL_PROFILE: optional,
  TEMPORAL_CONFIG_FILE: optional,
  DATABASE_URL: optional,
  /** The first backup root (kept from before VECFLOW_BACKUP_ROOTS; comes before its entries). */
  VECFLOW_BACKUP_ROOT: optional,
  /** Directories backups may be written to and read from (comma-separated absolute paths). */
  VECFLOW_BACKUP_ROOTS: optional
    .transform(commaList)
    .refine((roots) => (roots ?? []).every((r) => path.isAbsolute(r)), 'comma-separated absolute paths'),
  /**
   * `s3://bucket/prefix`: job files (staged task and Vald inputs, import uploads, export files,
   * dead letters) live there too, so the API and the workers need no shared disk.
   */
  VECFLOW_JOB_STORAGE: optional.refine(
    (v) => v === undefined || /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[\w./-]*)?$/.test(v),
    's3://bucket or s3://bucket/prefix',
  ),
  /** The Postgres holding LangChain's PGVector tables for `--source langchain` backups and restores (worker only); default: the store's own Postgres. */
  VECFLOW_LANGCHAIN_DATABASE_URL: optional,
  /** What `vecflow backup` and POST /api/v1/backups back up when a request does not say: vecflow's collections, or LangChain's tables. */
  VECFLOW_BACKUP_SOURCE: z.preprocess(unset, z.enum(['vecflow', 'langchain']).default('vecflow')),
  /** Largest accepted import upload (`bytes` syntax: 500mb, 10gb). */
  VECFLOW_UPLOAD_LIMIT: optional
    .default('10gb')
    .refine((v) => bytes.parse(v) !== null && Number.isFinite(bytes.parse(v)), 'a size such as 500mb or 10gb'),
  /** Most rows one import may hold; a Parquet file over it is refused from its footer, before decoding. */
  VECFLOW_IMPORT_MAX_ROWS: positive(100_000_000),
  /** Largest import batch_size a request may ask for. */
  VECFLOW_IMPORT_MAX_BATCH: positive(1000),
  /** Row errors listed in an import's status; all of them go to its dead-letter file. */
  VECFLOW_IMPORT_MAX_ERRORS: positive(100),
  /** Finished import/export jobs (records and files) older than this are removed; 0 keeps them. */
  VECFLOW_JOB_RETENTION_HOURS: z.preprocess(
    unset,
    z.coerce
      .number({ error: 'a number of hours, 0 or more' })
      .min(0, { error: 'a number of hours, 0 or more' })
      .default(24),
  ),
  /** Port of the worker's own Prometheus endpoint; 0 turns it off. */
  VECFLOW_WORKER_METRICS_PORT: port(0),
  /** Its bind address: loopback unless the API runs elsewhere (docker-compose's network). */
  VECFLOW_WORKER_METRICS_HOST: optional.default('127.0.0.1'),
  /** Worker metrics endpoints the API's /metrics/prometheus merges in (comma-separated URLs). */
  VECFLOW_WORKER_METRICS_URLS: optional.transform((v) =>
    (v ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  ),
  S3_ENDPOINT: optional,
  /** S3 buckets a request may name (comma-separated); unset: any. */
  VECFLOW_S3_BUCKETS: optional.transform(commaList),
  QDRANT_URL: optional,
  QDRANT_API_KEY: optional,
  LOG_LEVEL: z.preprocess(
    unset,
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  /** pretty: one readable line per event; json: one JSON object per line. Default: pretty on a terminal. */
  LOG_FORMAT: z.preprocess(unset, z.enum(['pretty', 'json'], { error: 'pretty or json' }).optional()),
});
export type Env = z.infer<typeof EnvSchema>;

const name = nameSchema();
const distance = z.enum(['cosine', 'dot', 'euclid']);

const HashingModel = z.object({
  id: name,
  kind: z.literal('hashing'),
  dimension: z.number().int().min(2).max(65536),
  distance: distance.default('cosine'),
});
const OpenAiModel = z.object({
  id: name,
  kind: z.literal('openai'),
  dimension: z.number().int().min(2).max(65536),
  distance: distance.default('cosine'),
  base_url: z.url(),
  model: z.string().min(1),
  api_key_env: z.string().optional(),
  batch_size: z.number().int().positive().max(2048).default(64),
  timeout_ms: z.number().int().positive().default(60_000),
  send_dimensions: z.boolean().default(false),
});
export const ModelSchema = z.discriminatedUnion('kind', [HashingModel, OpenAiModel]);
export type ModelConfig = z.infer<typeof ModelSchema>;

export const CollectionSchema = z.object({
  name,
  blue_model: name,
  /** Payload fields whose text is embedded; default: every string field, in key order. */
  text_fields: z.array(z.string().min(1)).optional(),
  /** Text longer than this is split into chunks, each embedded and stored on its own. */
  max_chunk_chars: z.number().int().min(16).default(2000),
});
export type CollectionConfig = z.infer<typeof CollectionSchema>;

export const FileConfigSchema = z.object({
  models: z.array(ModelSchema).default([]),
  collections: z.array(CollectionSchema).default([]),
});

export const BUILTIN_MODELS: ModelConfig[] = [
  { id: 'hash-384', kind: 'hashing', dimension: 384, distance: 'cosine' },
  { id: 'hash-256', kind: 'hashing', dimension: 256, distance: 'cosine' },
];
export const BUILTIN_COLLECTIONS: CollectionConfig[] = [
  { name: 'items', blue_model: 'hash-384', max_chunk_chars: 2000 },
  { name: 'categories', blue_model: 'hash-384', max_chunk_chars: 2000 },
];

export interface AppConfig {
  env: Env;
  /** Where Temporal is and how to connect (address, namespace, TLS, API key). */
  temporal: TemporalConnection;
  dataDir: string;
  models: ModelConfig[];
  collections: CollectionConfig[];
  configFile: string | null;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** `PORT="abc": set it to a port number from 0 to 65535, or unset it` — the variable and the fix. */
function describeEnv(error: z.ZodError, source: NodeJS.ProcessEnv): string {
  return error.issues
    .map((i) => {
      const name = String(i.path[0]);
      return `${name}=${JSON.stringify(source[name] ?? '')}: set it to ${i.message}, or unset it for the default`;
    })
    .join('; ');
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(describeEnv(parsed.error, source));
  if (parsed.data.DATABASE_URL && parsed.data.QDRANT_URL) {
    throw new ConfigError('DATABASE_URL and QDRANT_URL are both set: set either DATABASE_URL or QDRANT_URL, not both');
  }
  return parsed.data;
}

/**
 * What serving requests adds to the rules: no API keys, no listening beyond this machine (the
 * API's HTTP port, and later its gRPC port, follow VECFLOW_HOST).
 */
export function checkServing(config: AppConfig): void {
  const host = config.env.VECFLOW_HOST;
  if (config.env.VECFLOW_API_KEYS.length === 0 && !isLoopback(host)) {
    throw new ConfigError(
      `VECFLOW_HOST=${host}: refusing to listen on ${host} without API keys — set VECFLOW_API_KEYS=<key>[,<key>…], or unset VECFLOW_HOST to listen on 127.0.0.1 only`,
    );
  }
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): AppConfig {
  const env = loadEnv(source);
  const explicit = env.VECFLOW_CONFIG ? path.resolve(cwd, env.VECFLOW_CONFIG) : null;
  const candidate = explicit ?? path.resolve(cwd, 'vecflow.config.json');
  if (explicit && !existsSync(explicit)) throw new ConfigError(`VECFLOW_CONFIG points to a missing file: ${explicit}`);
  let file = { models: [] as ModelConfig[], collections: [] as CollectionConfig[] };
  if (existsSync(candidate)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(candidate, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${candidate} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = FileConfigSchema.safeParse(raw);
    if (!parsed.success) throw new ConfigError(`${candidate}: ${describe(parsed.error)}`);
    file = parsed.data;
  }
  const models = mergeById(BUILTIN_MODELS, file.models, (m) => m.id);
  const collections = mergeById(BUILTIN_COLLECTIONS, file.collections, (c) => c.name);
  for (const c of collections) {
    if (!models.some((m) => m.id === c.blue_model)) {
      throw new ConfigError(`collection ${c.name}: blue_model ${c.blue_model} is not a declared model`);
    }
  }
  return {
    env,
    temporal: temporalConnection(source, env.VECFLOW_TEMPORAL_PORT, cwd),
    dataDir: path.resolve(cwd, env.VECFLOW_DATA_DIR),
    models,
    collections,
    configFile: existsSync(candidate) ? candidate : null,
  };
}

function mergeById<T>(base: T[], extra: T[], key: (t: T) => string): T[] {
  const out = new Map(base.map((b) => [key(b), b]));
  for (const e of extra) out.set(key(e), e);
  return [...out.values()];
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Exit code of a process its configuration stopped: the supervisor never restarts one. */
export const CONFIG_ERROR_EXIT = 2;

/**
 * The configuration, validated whole before anything starts; a mistake prints one line naming
 * the variable (or file) and the fix, and exits with CONFIG_ERROR_EXIT.
 */
export function configOrExit(load: () => AppConfig = () => loadConfig()): AppConfig {
  // With S3 at an endpoint of its own (SeaweedFS, MinIO), the AWS SDK must not probe a cloud
  // metadata address for credentials: a missing credential is then reported at once, not after
  // the probe times out. AWS_EC2_METADATA_DISABLED=false keeps the probe.
  if (process.env.S3_ENDPOINT && process.env.AWS_EC2_METADATA_DISABLED === undefined)
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`vecflow: configuration error: ${err.message}\n`);
    process.exit(CONFIG_ERROR_EXIT);
  }
}

/** Refuses an S3 bucket outside VECFLOW_S3_BUCKETS (when set), naming the field. */
export function assertBucketAllowed(config: AppConfig, bucket: string, field = 's3.bucket'): void {
  const allowed = config.env.VECFLOW_S3_BUCKETS;
  if (allowed.length > 0 && !allowed.includes(bucket))
    throw new ValidationError(`S3 bucket ${JSON.stringify(bucket)} is not one of VECFLOW_S3_BUCKETS`, { field });
}
