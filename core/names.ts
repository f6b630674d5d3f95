import { ValidationError } from './errors.js';

// Collection and model names end up in table names, Qdrant collection names, file names and
// URLs, so they are restricted to a portable alphabet.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Whether `value` is a valid collection or model name. */
export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value) && !value.includes('__');
}

export function assertName(kind: 'collection' | 'model', value: unknown): string {
  if (!isName(value)) {
    throw new ValidationError(
      `invalid ${kind} name ${JSON.stringify(value)}: use 1-63 of A-Z a-z 0-9 _ . - (no "__"), starting with a letter or digit`,
      { field: kind },
    );
  }
  return value;
}

export const NAME_PATTERN = NAME.source;
