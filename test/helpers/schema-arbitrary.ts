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
  $ref?: string;
  propertyNames?: JsonSchema;
  minProperties?: number;
  contentSchema?: JsonSchema;
  dependentSchemas?: Record<string, JsonSchema>;
  /** vecflow's: an array whose length must be the collection's dimension. */
  'x-vecflow-dimension'?: string;
  /** vecflow's: a directory whose absolute form must be inside one of the deployment's backup roots. */
  'x-vecflow-backup-dir'?: string;
};

/** What the schema cannot know: the dimension of the collection the request lands in, the backup root. */
export interface Context {
  dimension: number;
  /** A backup root of the deployment: generated absolute directories are placed inside it. */
  backupRoot?: string;
  /** The document `$ref`s point into (`#/components/schemas/…`). */
  root?: unknown;
  /** How many `$ref`s deep; past MAX_REF_DEPTH optional recursive fields are left out. */
  depth?: number;
}
const DEFAULT_CONTEXT: Context = { dimension: 384 };
const MAX_REF_DEPTH = 3;

function resolve(ref: string, ctx: Context): JsonSchema {
  let node = ctx.root as Record<string, unknown> | undefined;
  for (const part of ref.replace(/^#\//, '').split('/')) node = node?.[part] as Record<string, unknown> | undefined;
  if (!node) throw new Error(`unresolved $ref ${ref}`);
  return node as JsonSchema;
}
const recursive = (s: JsonSchema) => !!(s.$ref ?? s.items?.$ref);

/** `oneOf`/`anyOf` whose alternatives only require keys: rules across an object's fields. */
type KeyRule = { exactlyOne: boolean; alternatives: string[][] };
function keyRules(schema: JsonSchema): KeyRule[] | null {
  const rule = (list: JsonSchema[] | undefined, exactlyOne: boolean): KeyRule | null =>
    list?.every((a) => Object.keys(a).length === 1 && Array.isArray(a.required))
      ? { exactlyOne, alternatives: list.map((a) => a.required!) }
      : null;
  const rules = [
    rule(schema.oneOf, true),
    rule(schema.anyOf, false),
    ...(schema.allOf ?? []).map((a) => rule(a.oneOf, true) ?? rule(a.anyOf, false)),
  ];
  const given = rules.filter((r) => r !== null);
  const parts = Number(!!schema.oneOf) + Number(!!schema.anyOf) + (schema.allOf?.length ?? 0);
  return given.length > 0 && given.length === parts ? given : null;
}

/** An object whose fields follow `rules`: one alternative of each is required, for oneOf the others are left out. */
function objectWithRules(schema: JsonSchema, rules: KeyRule[], ctx: Context): fc.Arbitrary<unknown> {
  return fc.tuple(...rules.map((r) => fc.nat({ max: r.alternatives.length - 1 }))).chain((picks) => {
    const required = new Set(schema.required ?? []);
    const omitted = new Set<string>();
    rules.forEach((r, i) => {
      r.alternatives[picks[i]].forEach((k) => required.add(k));
      if (r.exactlyOne) r.alternatives.forEach((alt, j) => j !== picks[i] && alt.forEach((k) => omitted.add(k)));
    });
    return arbitraryOf(
      {
        ...schema,
        oneOf: undefined,
        anyOf: undefined,
        allOf: undefined,
        properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !omitted.has(k))),
        required: [...required].filter((k) => !omitted.has(k)),
      },
      ctx,
    );
  });
}

const json = fc.jsonValue({ maxDepth: 2 });

export function arbitraryOf(schema: JsonSchema | undefined, ctx: Context = DEFAULT_CONTEXT): fc.Arbitrary<unknown> {
  if (!schema || Object.keys(schema).length === 0) return json;
  if (schema.$ref) return arbitraryOf(resolve(schema.$ref, ctx), { ...ctx, depth: (ctx.depth ?? 0) + 1 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const rules = schema.properties ? keyRules(schema) : null;
  if (rules) return objectWithRules(schema, rules, ctx);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => arbitraryOf(a, ctx)));
  if (schema.allOf?.length === 1) return arbitraryOf(schema.allOf[0], ctx);
  const type = (Array.isArray(schema.type) ? schema.type[0] : schema.type) ?? (schema.pattern ? 'string' : undefined);
  switch (type) {
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
      if (schema.contentSchema) return arbitraryOf(schema.contentSchema, ctx).map((v) => JSON.stringify(v));
      if (schema.pattern) {
        const strings = fc
          .stringMatching(new RegExp(schema.pattern))
          .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
        const root = ctx.backupRoot;
        return schema['x-vecflow-backup-dir'] && root
          ? strings.map((s) => (s.startsWith('/') ? root + s : s))
          : strings;
      }
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
      if (schema['x-vecflow-dimension'])
        return fc.array(arbitraryOf(schema.items, ctx), { minLength: ctx.dimension, maxLength: ctx.dimension });
      const minLength = schema.minItems ?? 0;
      return fc.array(arbitraryOf(schema.items, ctx), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 4, 4)),
      });
    }
    case 'object': {
      const required = schema.required ?? [];
      const deep = (ctx.depth ?? 0) >= MAX_REF_DEPTH;
      const props = Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([k, s]) => !deep || required.includes(k) || !recursive(s))
          .map(([k, s]) => [k, arbitraryOf(s, ctx)]),
      );
      let out: fc.Arbitrary<Record<string, unknown>> = fc.record(props, {
        requiredKeys: required.filter((k) => k in props),
      });
      if (schema.additionalProperties !== false && (!schema.properties || schema.propertyNames)) {
        // Extra keys: from the pattern alternative of propertyNames (not the named properties).
        const names = schema.propertyNames?.anyOf?.find((n) => n.pattern) ?? schema.propertyNames;
        const keys = (names?.pattern ? arbitraryOf(names, ctx) : fc.string({ maxLength: 10 })) as fc.Arbitrary<string>;
        const extra = fc.dictionary(
          keys.filter((k) => !(k in (schema.properties ?? {}))),
          arbitraryOf(schema.additionalProperties as JsonSchema, ctx),
          { maxKeys: 3 },
        );
        out = fc.tuple(out, extra).map(([named, more]) => ({ ...more, ...named }));
      }
      // A field that needs others to have given values (dependentSchemas of consts): set them.
      const dependent = Object.entries(schema.dependentSchemas ?? {});
      if (dependent.length)
        out = out.map((o) => {
          for (const [key, dep] of dependent)
            if (key in o)
              for (const [k, v] of Object.entries(dep.properties ?? {})) if (v.const !== undefined) o[k] = v.const;
          return o;
        });
      return schema.minProperties ? out.filter((o) => Object.keys(o).length >= schema.minProperties!) : out;
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
