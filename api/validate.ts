import { z } from 'zod';
import { RESERVED_ID_MESSAGE, isReservedJobId } from '../workflows/ids.js';
import { ValidationError } from '../core/errors.js';

/** Parses a request part with a zod schema; a mismatch is a 400 naming every bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  throw new ValidationError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

/** A job id a caller chooses (task_id, backup_id…): 1..max characters, none of vecflow's own ids. */
export const jobId = (max: number, tooLong?: string) =>
  z
    .string()
    .min(1)
    .max(max, tooLong)
    .refine((v) => !isReservedJobId(v), RESERVED_ID_MESSAGE);
