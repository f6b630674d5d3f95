import { z } from 'zod';
import { FILTER_COMPONENTS } from '../core/filter-schema.js';
import { nameSchema } from '../core/names.js';
import type { Role } from './auth.js';

// The OpenAPI document, grown by each route as it is registered (see route.ts).
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tags?: string[];
  body?: z.ZodType;
  /** A multipart/form-data body: these text fields plus a binary `file` part. */
  multipart?: z.ZodObject;
  query?: z.ZodObject;
  responses?: Record<number, string>;
  /** Routes outside /api/v1 (health, readiness) need no API key. */
  public?: boolean;
  /** The least role a key needs (see api/auth.ts); GETs default to read, other methods to write. */
  role?: Role;
}

/** The role a route needs when its spec does not say. */
export const roleOf = (spec: Pick<OperationSpec, 'method' | 'role'>): Role =>
  spec.role ?? (spec.method === 'get' ? 'read' : 'write');

/**
 * What any route of its shape may answer besides its own responses: 400 for input it refuses
 * (a body that is not JSON included), 404 for an unknown id in its path, 413 for a body over
 * the limit, 401/403/503 for keys, roles and dependencies.
 */
const NAME_PARAMS = new Set(['collection', 'dataset_id']);

function implicitResponses(spec: OperationSpec): Record<number, string> {
  const takesBody = spec.method === 'post' || spec.method === 'put';
  const hasPath = spec.path.includes('{');
  const out: Record<number, string> = {};
  if (takesBody || hasPath || spec.query) out[400] = 'Invalid request: the body names each bad field';
  if (!spec.public) Object.assign(out, { 401: 'Missing or unknown API key', 403: `Needs the ${roleOf(spec)} role` });
  if (hasPath || (spec.query && 'collection' in spec.query.shape)) out[404] = 'No such resource';
  if (takesBody) out[413] = 'Body over the limit';
  if (!spec.public) out[503] = 'A dependency (Temporal, the store) is unavailable';
  return out;
}

function multipartSchema(fields: z.ZodObject): Record<string, unknown> {
  const schema = jsonSchema(fields) as { properties?: Record<string, unknown>; required?: string[] };
  return {
    ...schema,
    properties: { ...schema.properties, file: { type: 'string', format: 'binary' } },
    required: [...(schema.required ?? []), 'file'],
  };
}

export class OpenApiRegistry {
  private readonly paths: Record<string, Record<string, unknown>> = {};

  constructor(private readonly version: string) {}

  add(spec: OperationSpec): void {
    const params = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      // Path segments that are collection names follow the name rule (handlers check it).
      schema: NAME_PARAMS.has(m[1]) ? jsonSchema(nameSchema()) : { type: 'string' },
    }));
    const query = spec.query
      ? Object.entries(spec.query.shape).map(([name, schema]) => ({
          name,
          in: 'query',
          required: !(schema as z.ZodType).safeParse(undefined).success,
          schema: jsonSchema(schema as z.ZodType),
        }))
      : [];
    const responses = Object.fromEntries(
      Object.entries({ ...implicitResponses(spec), ...(spec.responses ?? { 200: 'OK' }) }).map(
        ([code, description]) => [
          code,
          {
            description,
            content: {
              'application/json': { schema: Number(code) >= 400 ? { $ref: '#/components/schemas/Error' } : {} },
            },
          },
        ],
      ),
    );
    (this.paths[spec.path] ??= {})[spec.method] = {
      summary: spec.summary,
      tags: spec.tags,
      parameters: [...params, ...query],
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } }
        : {}),
      ...(spec.multipart
        ? {
            requestBody: {
              required: true,
              content: { 'multipart/form-data': { schema: multipartSchema(spec.multipart) } },
            },
          }
        : {}),
      responses,
      ...(spec.public ? { security: [] } : { 'x-vecflow-role': roleOf(spec) }),
    };
  }

  document(): unknown {
    return {
      openapi: '3.1.0',
      info: { title: 'vecflow', version: this.version, description: 'Durable vector-data operations on Temporal.' },
      servers: [{ url: '/' }],
      security: [{ ApiKey: [] }, { Bearer: [] }],
      paths: this.paths,
      components: {
        securitySchemes: {
          ApiKey: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'ApiKey <key>' },
          Bearer: { type: 'http', scheme: 'bearer' },
        },
        schemas: {
          ...FILTER_COMPONENTS,
          Error: {
            type: 'object',
            required: ['detail', 'code'],
            properties: {
              detail: { type: 'string' },
              code: { type: 'string' },
              request_id: { type: 'string' },
              errors: { type: 'array', items: {} },
            },
          },
        },
      },
    };
  }
}

/** A filter field (filterSchema()): the filter object, or its JSON text, both by reference. */
const FILTER_FIELD = {
  anyOf: [
    { $ref: '#/components/schemas/Filter' },
    { type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/Filter' } },
  ],
};

function jsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'any',
      override: ({ jsonSchema: node }) => {
        if (!(node as Record<string, unknown>)['x-vecflow-filter']) return;
        for (const key of Object.keys(node)) delete (node as Record<string, unknown>)[key];
        Object.assign(node, FILTER_FIELD);
      },
    });
  } catch {
    return {};
  }
}
