import { z } from 'zod';
import { filterSchema } from '../../core/filter-schema.js';
import { nameSchema } from '../../core/names.js';
import { jobId } from '../validate.js';

const model = z.object({ embedding_model_id: nameSchema() });

export const ReindexBody = z.object({
  task_id: jobId(900).optional(),
  id: jobId(900).optional(),
  collection: nameSchema().default('items'),
  source: model,
  dest: model,
  deploy_as_blue: z.boolean().default(false),
  wait_on_conflict: z.boolean().default(false),
  /** Reindex the items that have text, listing (not failing) those that cannot be re-embedded. */
  skip_unembeddable: z.boolean().default(false),
  shards: z.number().int().min(1).max(256).optional(),
  max_parallel: z.number().int().min(1).max(32).optional(),
  page_size: z.number().int().min(1).max(5000).optional(),
  failure_threshold: z
    .object({ count: z.number().int().min(0).optional(), fraction: z.number().min(0).max(1).optional() })
    .optional(),
  quality_gate: z
    .object({
      sample_size: z.number().int().min(1).max(10_000),
      k: z.number().int().min(1).max(1000),
      min_pass_ratio: z.number().min(0).max(1),
    })
    .optional(),
});

export const BlueBody = z.object({
  embedding_model_id: nameSchema(),
  collection: nameSchema().default('items'),
});

export const SearchBody = z
  .object({
    text: z.string().min(1).optional(),
    vector: z.array(z.number()).min(2).meta({ 'x-vecflow-dimension': 'collection' }).optional(),
    k: z.number().int().min(1).max(1000).default(10),
    filter: filterSchema().optional(),
    embedding_model_id: nameSchema().optional(),
  })
  .refine((b) => (b.text === undefined) !== (b.vector === undefined), {
    message: 'give exactly one of text or vector',
  })
  .meta({ oneOf: [{ required: ['text'] }, { required: ['vector'] }] });
