import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Context, type JsonSchema, anyBody, anyText, arbitraryOf } from '../helpers/schema-arbitrary.js';
import { startTemporalDev } from '../../devstack/temporal-dev.js';
import { type TestStack, startStack } from '../helpers/stack.js';

// Every operation of the OpenAPI document, driven with generated input (fast-check):
// - anything (any JSON or text as body, any text as path segment or query value): never a 5xx,
//   always a status the document lists, with a JSON body;
// - input the operation's own schemas allow: accepted (2xx, or the 404/409 of an unknown or
//   busy id) — the schemas say what validation accepts (rules across fields as oneOf/anyOf/
//   dependentSchemas, the filter language as components.schemas.Filter; only a vector's length
//   is left to the collection: `x-vecflow-dimension`);
// - the same input while Temporal is down: 503 (or what needs no Temporal), never a 400.
type Operation = {
  parameters?: { name: string; in: 'path' | 'query'; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, unknown>;
  security?: unknown[];
};
type Request = { path: Record<string, unknown>; query: Record<string, unknown>; body: unknown };
type Reply = { status: number; type: string; text: string };

const RUNS = Number(process.env.VECFLOW_FUZZ_RUNS ?? 15);
/** Both stacks' backup root: absolute directories the schemas allow are generated inside it. */
const BACKUP_ROOT = path.join(os.tmpdir(), `vf-fuzz-backups-${process.pid}`);

describe('every route, fuzzed from the OpenAPI document', () => {
  let stack: TestStack;
  let ctx: Context;
  let ops: { key: string; template: string; method: string; op: Operation }[] = [];
  beforeAll(async () => {
    stack = await startStack({ VECFLOW_BACKUP_ROOT: BACKUP_ROOT });
    const doc = (await stack.api('/api/v1/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    ctx = { dimension: 384, root: doc, backupRoot: BACKUP_ROOT }; // the default collection's model is hash-384
    ops = Object.entries(doc.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${template}`,
        template,
        method,
        op,
      })),
    );
  });
  afterAll(async () => {
    // Generated schedules would go on firing on the shared Temporal server.
    const listed = (await stack.api('/api/v1/backups/schedules')).body as { schedules?: { schedule_id: string }[] };
    for (const s of listed.schedules ?? [])
      await stack.api(`/api/v1/backups/schedules/${encodeURIComponent(s.schedule_id)}`, { method: 'DELETE' });
    await stack.stop();
  });

  async function send(o: (typeof ops)[number], req: Request, base = stack.apiUrl): Promise<Reply> {
    const path = o.template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(String(req.path[name] ?? 'x')));
    const url = new URL(base + path);
    for (const [k, v] of Object.entries(req.query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const content = o.op.requestBody?.content ?? {};
    let body: string | FormData | undefined;
    const headers: Record<string, string> = {};
    if (content['multipart/form-data']) {
      const form = new FormData();
      const fields = (typeof req.body === 'object' && req.body) || {};
      for (const [k, v] of Object.entries(fields)) if (k !== 'file') form.append(k, String(v));
      form.append('file', new Blob([typeof req.body === 'string' ? req.body : JSON.stringify(req.body)]), 'f.jsonl');
      body = form;
    } else if (o.method !== 'get' && o.method !== 'delete') {
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? {});
      headers['content-type'] = o.template.includes('/stream-') ? 'application/x-ndjson' : 'application/json';
    }
    const res = await fetch(url, {
      method: o.method.toUpperCase(),
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  }

  const inputs = (o: (typeof ops)[number], valid: boolean): fc.Arbitrary<Request> => {
    const params = o.op.parameters ?? [];
    const part = (where: 'path' | 'query') =>
      fc.record(
        Object.fromEntries(
          params.filter((p) => p.in === where).map((p) => [p.name, valid ? arbitraryOf(p.schema, ctx) : anyText]),
        ),
        { requiredKeys: params.filter((p) => p.in === where && (p.required || !valid)).map((p) => p.name) },
      );
    const schema = Object.values(o.op.requestBody?.content ?? {})[0]?.schema;
    const body = valid ? (schema ? arbitraryOf(schema, ctx) : fc.constant(undefined)) : anyBody;
    return fc.record({ path: part('path'), query: part('query'), body });
  };

  /** Checks `accept` on generated requests (valid or not) for every operation; the operations it fails for. */
  async function fuzzEach(
    valid: boolean,
    accept: (o: (typeof ops)[number], res: Reply) => boolean,
    options: { base?: string; runs?: number } = {},
  ) {
    const failed: { key: string; line: string }[] = [];
    for (const o of ops) {
      const result = await fc.check(
        fc.asyncProperty(inputs(o, valid), async (req) => accept(o, await send(o, req, options.base))),
        { numRuns: options.runs ?? RUNS, seed: Number(process.env.VECFLOW_FUZZ_SEED ?? 42) },
      );
      if (result.failed) {
        const req = result.counterexample![0] as Request;
        const res = await send(o, req, options.base);
        failed.push({
          key: o.key,
          line: `${o.key}: ${res.status} ${res.text.slice(0, 300)} ← ${JSON.stringify(req).slice(0, 300)}`,
        });
      }
    }
    return failed;
  }

  it('answers anything with a documented 4xx or success, never a 5xx, always JSON when it fails', async () => {
    const failures = await fuzzEach(false, (o, res) => {
      const documented = String(res.status) in o.op.responses;
      return res.status < 500 && documented && (res.status < 400 || /json/.test(res.type));
    });
    assert.deepEqual(
      failures.map((f) => f.line),
      [],
    );
  });

  it('accepts what each schema allows (2xx, or 404/409 for an unknown or busy id)', async () => {
    const failed = await fuzzEach(true, (_o, res) => res.status < 400 || res.status === 404 || res.status === 409);
    assert.deepEqual(
      failed.map((f) => f.line),
      [],
      'operations whose schema allows input their validation refuses',
    );
  });

  it('answers 503 while Temporal is down, never 400 for what the schema allows', async () => {
    // A stack on a Temporal server of its own, stopped once the stack is up.
    const temporal = await startTemporalDev({ log: () => undefined });
    const down = await startStack(
      { VECFLOW_BACKUP_ROOT: BACKUP_ROOT },
      { inProcessWorker: false, temporalAddress: temporal.address },
    );
    try {
      await temporal.stop();
      const failed = await fuzzEach(
        true,
        (_o, res) => res.status === 503 || res.status < 400 || res.status === 404 || res.status === 409,
        { base: down.apiUrl, runs: 2 },
      );
      assert.deepEqual(
        failed.map((f) => f.line),
        [],
      );
      const job = await down.api('/api/v1/embeddings/upsertion-tasks/run', { body: { items: [{ object_id: 'a' }] } });
      assert.deepEqual([job.status, (job.body as { code?: string }).code], [503, 'unavailable']);
    } finally {
      await down.stop().catch(() => undefined);
    }
  });
});
