import { z } from 'zod';

// The filter language (core/filter.ts) as JSON Schema, for the OpenAPI document's components:
// every filter it describes parses (within the parser's limits of 32 levels and 1,000
// conditions). Request schemas point at it with `filterSchema()`; openapi.ts puts the
// definitions under components.schemas and turns the marked fields into references.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** A dotted field path: 1 to 32 segments, none empty, no `[` `]`, none starting with `$`. */
const SEGMENT = '[^.\\[\\]$][^.\\[\\]]*';
export const FIELD_PATH_PATTERN = `^${SEGMENT}(\\.${SEGMENT}){0,31}$`;

export const FILTER_COMPONENTS = {
  FilterScalar: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
  FilterCondition: {
    description: 'A scalar (equality) or an object of $-operators on one field',
    anyOf: [
      ref('FilterScalar'),
      {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: {
          $eq: ref('FilterScalar'),
          $ne: ref('FilterScalar'),
          $gt: { type: 'number' },
          $gte: { type: 'number' },
          $lt: { type: 'number' },
          $lte: { type: 'number' },
          $in: { type: 'array', minItems: 1, items: ref('FilterScalar') },
          $nin: { type: 'array', minItems: 1, items: ref('FilterScalar') },
          $exists: { type: 'boolean' },
          $not: ref('FilterCondition'),
        },
      },
    ],
  },
  Filter: {
    description:
      'Mongo-style conditions on payload fields, ANDed: {"lang": "en", "year": {"$gte": 2020}, "$or": [...]}; {} selects everything',
    type: 'object',
    properties: {
      $and: { type: 'array', minItems: 1, items: ref('Filter') },
      $or: { type: 'array', minItems: 1, items: ref('Filter') },
      $not: ref('Filter'),
    },
    propertyNames: { anyOf: [{ enum: ['$and', '$or', '$not'] }, { pattern: FIELD_PATH_PATTERN }] },
    additionalProperties: ref('FilterCondition'),
  },
} as const;

/** Marks a request field as a filter (an object, or its JSON text): a reference in the document. */
export const filterSchema = () =>
  z.union([z.record(z.string(), z.unknown()), z.string()]).meta({ 'x-vecflow-filter': true });
