import type { z } from 'zod';
import { ValidationError } from '../core/errors.js';

/** Parses a request part with a zod schema; a mismatch is a 400 naming every bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path'): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.map((i) => ({ field: [where, ...i.path].join('.'), message: i.message }));
  throw new ValidationError(errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}
