import { type Duration, msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import { nameSchema } from '../../core/names.js';
import { isSafeDir } from '../../blobs/keys.js';
import { jobId } from '../validate.js';

const s3 = z.object({ bucket: z.string().min(3).max(63), prefix: z.string().max(900).default('') });
const id = jobId(900);
/** isSafeDir as a pattern for the document (a subset: segments neither '.' nor '..', no '\\' or NUL). */
const SEGMENT = '([^/\\\\\\u0000.][^/\\\\\\u0000]*|\\.[^/\\\\\\u0000.][^/\\\\\\u0000]*|\\.\\.[^/\\\\\\u0000]+)';
const SAFE_DIR_PATTERN = `^(\\./)?(${SEGMENT}(/${SEGMENT})*/?)?$`;
/**
 * A backup directory: absolute (inside a backup root) or relative (under the first root),
 * never with '..' segments; the service confines it to the roots (core/backup-roots.ts).
 */
const safeDir = (s: z.ZodString) =>
  s
    .max(1000)
    .refine(
      (v) => isSafeDir(v.startsWith('/') ? v.slice(1) : v),
      "an absolute path inside a backup root, or a relative one under the first root, without '..'",
    )
    .meta({
      pattern: SAFE_DIR_PATTERN.replace('^(\\./)?', '^(/|\\./)?'),
      // Which absolute paths are inside a root depends on the deployment (VECFLOW_BACKUP_ROOTS).
      'x-vecflow-backup-dir': 'an absolute path must be inside one of the backup roots',
    });
const dir = safeDir(z.string().min(1));
/** An interval in ms as Temporal reads it (NaN when it cannot). */
const durationMs = (v: string) => {
  try {
    return msToNumber(v as Duration);
  } catch {
    return NaN;
  }
};
const collections = z.array(nameSchema()).min(1).optional();
/** A Postgres table name (LangChain backups' extra tables). */
const table = z
  .string()
  .min(1)
  .max(63)
  .refine((v) => !v.includes('\u0000'), 'a table name without NUL');
/** The LangChain-only options need `source: "langchain"` (validation refuses them otherwise). */
const LANGCHAIN_ONLY = Object.fromEntries(
  ['include_tables', 'include_event_summaries', 'vector_format'].map((k) => [
    k,
    { properties: { source: { const: 'langchain' } }, required: ['source'] },
  ]),
);
/** What a backup reads, and the LangChain-only options (the seed-004 scripts' flags). */
const source = {
  source: z.enum(['vecflow', 'langchain']).optional(),
  include_tables: z.array(table).optional(),
  include_event_summaries: z.boolean().optional(),
  vector_format: z.enum(['text', 'float']).optional(),
};

export const BackupBody = z
  .object({
    backup_id: id.optional(),
    output_dir: dir.optional(),
    s3: s3.optional(),
    collections,
    batch_size: z.number().int().min(1).max(10_000_000).optional(),
    ...source,
    /** Write into output_dir even if it holds another backup (removed first). */
    overwrite: z.boolean().default(false),
  })
  .refine((b) => b.output_dir !== undefined || b.s3 !== undefined, { message: 'give output_dir and/or s3' })
  .meta({ anyOf: [{ required: ['output_dir'] }, { required: ['s3'] }], dependentSchemas: LANGCHAIN_ONLY });

export const RestoreBody = z
  .object({
    restore_id: id.optional(),
    input_dir: dir.optional(),
    s3: s3.optional(),
    collections,
    dry_run: z.boolean().default(false),
    clear_existing: z.boolean().default(false),
    model: nameSchema().optional(),
    /** auto: a vecflow backup into vecflow, a LangChain backup (vecflow's or the seed's) into LangChain's tables. */
    target: z.enum(['auto', 'vecflow', 'langchain']).default('auto'),
    /** Into LangChain's tables: leave event_summaries (every extra table) out. */
    skip_event_summaries: z.boolean().default(false),
    /** Restore files whose manifest entry has no sha256 (refused otherwise). */
    allow_unverified: z.boolean().default(false),
  })
  .refine((b) => (b.input_dir === undefined) !== (b.s3 === undefined), {
    message: 'give exactly one of input_dir or s3',
  })
  .meta({ oneOf: [{ required: ['input_dir'] }, { required: ['s3'] }] });

export const VerifyBody = z
  .object({
    verify_id: id.optional(),
    input_dir: dir.optional(),
    s3: s3.optional(),
    wait_seconds: z.number().min(0).max(300).default(60),
  })
  .refine((b) => (b.input_dir === undefined) !== (b.s3 === undefined), {
    message: 'give exactly one of input_dir or s3',
  })
  .meta({ oneOf: [{ required: ['input_dir'] }, { required: ['s3'] }] });

/** Five-field cron (minute hour day-of-month month day-of-week), numbers or `*`: a subset Temporal reads. */
const CRON_PATTERN =
  '^(\\*|[1-5]?[0-9]) (\\*|1?[0-9]|2[0-3]) (\\*|[1-9]|[12][0-9]|3[01]) (\\*|[1-9]|1[0-2]) (\\*|[0-6])$';

export const ScheduleBody = z
  .object({
    schedule_id: z
      .string()
      .regex(/^[\w.-]{1,200}$/)
      .optional(),
    cron: z.string().min(1).meta({ pattern: CRON_PATTERN }).optional(),
    interval: z
      .string()
      .regex(/^\d+\s*(s|m|h|d|ms)$/, 'a duration like 30m, 6h or 1d')
      .meta({ pattern: '^[1-9][0-9]{0,2}(m|h|d)$' })
      .refine((v) => {
        const ms = durationMs(v);
        return Number.isNaN(ms) || (ms >= 1000 && ms <= msToNumber('3650d')); // (a malformed one: the regex says so)
      }, 'between 1s and 3650d')
      .optional(),
    output_dir: safeDir(z.string()).optional(),
    s3: s3.optional(),
    collections,
    batch_size: z.number().int().min(1).optional(),
    ...source,
    retention: z
      .object({
        keep_last: z.number().int().min(1).max(100_000).optional(),
        max_age_days: z.number().min(0).max(36_500).optional(),
      })
      .default({}),
  })
  .refine((b) => (b.cron === undefined) !== (b.interval === undefined), {
    message: 'give exactly one of cron or interval',
  })
  .refine((b) => b.output_dir !== undefined || b.s3 !== undefined, { message: 'give output_dir and/or s3' })
  .meta({
    allOf: [
      { oneOf: [{ required: ['cron'] }, { required: ['interval'] }] },
      { anyOf: [{ required: ['output_dir'] }, { required: ['s3'] }] },
    ],
    dependentSchemas: LANGCHAIN_ONLY,
  });
