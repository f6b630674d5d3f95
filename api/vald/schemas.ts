import { z } from 'zod';
import { MAX_ID_BYTES } from '../../core/point-id.js';
import { FLOAT32_MAX, MAX_DIM, MIN_DIM, TS_OPERATORS } from '../../core/vald.js';

// The bodies of Vald's JSON mirror as the OpenAPI document states them. core/vald.ts parses
// them (with Vald's status codes); these schemas describe exactly what it accepts, so a client
// generated from the document sends nothing it refuses — except a vector whose length is not the
// collection's dimension, which only the collection knows (`x-vecflow-dimension`).

/** int64 nanoseconds, as a decimal string (exact) or a JSON integer; 0 or absent: now. */
const int64 = z
  .union([z.string().regex(/^\d{1,18}$/), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
  .meta({ description: 'int64 nanoseconds (a decimal string keeps every digit); 0 or absent means now' });

/** A point id: 1 to 4096 bytes of UTF-8 (1024 characters always fit), no NUL. */
export const pointIdSchema = () =>
  z
    .string()
    .min(1)
    .max(MAX_ID_BYTES / 4)
    .refine((id) => !id.includes('\u0000'), 'no NUL characters')
    .meta({ pattern: '^[^\\u0000]*$', description: `1 to ${MAX_ID_BYTES} bytes of UTF-8, without NUL` });

const config = z
  .object({ skip_strict_exist_check: z.boolean().optional(), timestamp: int64.optional() })
  .meta({ description: "Vald's Config: timestamp wins over vector.timestamp" });

export const ValdWriteRequest = z.object({
  vector: z.object({
    id: pointIdSchema(),
    vector: z.array(z.number().min(-FLOAT32_MAX).max(FLOAT32_MAX)).min(MIN_DIM).max(MAX_DIM).meta({
      'x-vecflow-dimension': 'collection',
      description: "float32 values, as many as the collection's dimension",
    }),
    timestamp: int64.optional(),
  }),
  config: config.optional(),
});

export const ValdRemoveRequest = z.object({ id: z.object({ id: pointIdSchema() }), config: config.optional() });

export const multi = (request: z.ZodType) => z.object({ requests: z.array(request).min(1) });

const operator = z.union([
  z.enum([...TS_OPERATORS, ...TS_OPERATORS.map((o) => o.toUpperCase())] as [string, ...string[]]),
  z
    .number()
    .int()
    .min(0)
    .max(TS_OPERATORS.length - 1),
]);

export const RemoveByTimestampBody = z.object({
  timestamps: z
    .array(z.object({ timestamp: int64.optional(), operator: operator.optional() }))
    .min(1)
    .meta({ description: 'conditions, ANDed; an empty list is refused (it would remove everything)' }),
});
