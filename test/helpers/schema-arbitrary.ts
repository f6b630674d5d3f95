import fc from 'fast-check';

// Values a JSON Schema (as the OpenAPI document states it) allows, as fast-check arbitraries:
// the fuzz test sends them and expects them accepted. Sizes are kept small (arrays ≤ 4, strings
// ≤ 40 characters unless the schema needs more) so a run stays quick.
export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
};

const json = fc.jsonValue({ maxDepth: 2 });

export function arbitraryOf(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (!schema || Object.keys(schema).length === 0) return json;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map(arbitraryOf));
  if (schema.allOf?.length === 1) return arbitraryOf(schema.allOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength, maxLength, unit: 'binary' });
    }
    case 'integer':
      return fc.integer({
        min: Math.max(schema.minimum ?? -1e6, (schema.exclusiveMinimum ?? -Infinity) + 1, -Number.MAX_SAFE_INTEGER),
        max: Math.min(schema.maximum ?? 1e6, (schema.exclusiveMaximum ?? Infinity) - 1, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6,
        max: schema.maximum ?? schema.exclusiveMaximum ?? 1e6,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(arbitraryOf(schema.items), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)),
      });
    }
    case 'object': {
      const props = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, arbitraryOf(s)]));
      const record = fc.record(props, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
      if (!schema.properties && schema.additionalProperties !== false)
        return fc.dictionary(fc.string({ maxLength: 10 }), arbitraryOf(schema.additionalProperties as JsonSchema));
      return record;
    }
    default:
      return json;
  }
}

/** Anything a client might send instead: any JSON value, or text that is not JSON. */
export const anyBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '[1,', '{"a":', 'null', '\u0000', '{"__proto__":{"x":1}}'),
);
/** Path segments and query values a client might send: any text, control characters included. */
export const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', '.', '..', '%', '\u0000', 'a'.repeat(5000), '../../etc/passwd', '-1', '1e309', 'null'),
);
