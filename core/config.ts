import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import bytes from 'bytes';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { NAME_PATTERN } from './names.js';

// Configuration: environment variables (validated at start-up) plus an optional JSON file that
// declares embedding models and collections. Built-in defaults make everything work with neither.

const optional = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const port = (def: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).default(def));
const positive = (def: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().positive().default(def));

export const EnvSchema = z.object({
  PORT: port(8000),
  VECFLOW_HOST: optional.default('127.0.0.1'),
  VECFLOW_DATA_DIR: optional.default('.data'),
  VECFLOW_CONFIG: optional,
  VECFLOW_API_KEYS: optional.transform((v) =>
    (v ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  ),
  VECFLOW_BODY_LIMIT: optional.default('60mb'),
  VECFLOW_TASK_QUEUE: optional.default('vecflow'),
  VECFLOW_MAX_ACTIVITIES: positive(8),
  VECFLOW_PG_POOL_SIZE: positive(8),
  VECFLOW_TASK_MAX_ATTEMPTS: positive(8),
  VECFLOW_TEMPORAL_PORT: port(7233),
  VECFLOW_TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: optional.default('default'),
  DATABASE_URL: optional,
  VECFLOW_BACKUP_ROOT: optional,
  /** Largest accepted import upload (`bytes` syntax: 500mb, 10gb). */
  VECFLOW_UPLOAD_LIMIT: optional
    .default('10gb')
    .refine((v) => bytes.parse(v) !== null && Number.isFinite(bytes.parse(v)), 'not a size (e.g. 500mb, 10gb)'),
  /** Largest import batch_size a request may ask for. */
  VECFLOW_IMPORT_MAX_BATCH: positive(1000),
  /** Row errors listed in an import's status; all of them go to its dead-letter file. */
  VECFLOW_IMPORT_MAX_ERRORS: positive(100),
  /** Finished import/export jobs (records and files) older than this are removed; 0 keeps them. */
  VECFLOW_JOB_RETENTION_HOURS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).default(24)),
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
  QDRANT_URL: optional,
  QDRANT_API_KEY: optional,
  LOG_LEVEL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});
export type Env = z.infer<typeof EnvSchema>;

const name = z
  .string()
  .regex(new RegExp(NAME_PATTERN))
  .refine((s) => !s.includes('__'), 'must not contain "__"');
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
  dataDir: string;
  models: ModelConfig[];
  collections: CollectionConfig[];
  configFile: string | null;
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${describe(parsed.error)}`);
  if (parsed.data.DATABASE_URL && parsed.data.QDRANT_URL) {
    throw new ConfigError('set either DATABASE_URL or QDRANT_URL, not both');
  }
  return parsed.data;
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
