import { z } from 'zod';
import { ValidationError } from './errors.js';

// Collection and model names end up in table names, Qdrant collection names, file names and
// URLs, so they are restricted to a portable alphabet.
// One regular expression says it all (no lookahead, so JSON Schema and generators read it too):
// an underscore is never followed by another. Length 1..63 is checked beside it.
const NAME = /^[A-Za-z0-9](?:_?[A-Za-z0-9.-])*_?$/;
export const NAME_MAX = 63;

/** Whether `value` is a valid collection or model name. */
export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length <= NAME_MAX && NAME.test(value);
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
const NAME_RULE = 'use 1-63 of A-Z a-z 0-9 _ . - (no "__"), starting with a letter or digit';

/** A collection or model name in a request, a manifest or the configuration: the same rule everywhere. */
export const nameSchema = () => z.string().max(NAME_MAX, NAME_RULE).regex(NAME, NAME_RULE);
