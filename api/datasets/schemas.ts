import { z } from 'zod';
import { nameSchema } from '../../core/names.js';
import { filterSchema } from '../../core/filter-schema.js';

// Request shapes of the import/export API (the seed's, plus Parquet).
const boolish = z.preprocess(
  (v) => (typeof v === 'string' ? ['true', '1', 'yes', 'on'].includes(v.trim().toLowerCase()) : v),
  z.boolean(),
);

/** Multipart text fields of POST /datasets/{id}/import (all arrive as strings). */
export const importFields = (maxBatch: number) =>
  z.object({
    format: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['csv', 'json', 'jsonl', 'parquet']).optional()),
    batch_size: z.preprocess(
      (v) => (v === '' ? undefined : v),
      z.coerce.number().int().min(1).max(maxBatch).default(100),
    ),
    skip_existing: boolish.default(false),
    embedding_model_id: z.preprocess((v) => (v === '' ? undefined : v), nameSchema().optional()),
  });

export const RetryBody = z.object({
  batch_size: z.number().int().min(1).optional(),
  skip_existing: z.boolean().optional(),
});

export const ExportBody = z.object({
  format: z.enum(['csv', 'json', 'jsonl', 'parquet']).default('jsonl'),
  limit: z.number().int().min(1).optional(),
  /** A JSON-encoded string (as in the seed) or an object. */
  filters: filterSchema().optional(),
});

/** Up to ten years: further back than any job, and still a date. */
export const CleanupBody = z.object({ max_age_hours: z.number().min(0).max(87_600).default(24) });
