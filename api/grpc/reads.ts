import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/logger.js';
import type { Point } from '../../core/types.js';
import type { Distance, SearchConfig, ValdReads } from '../vald/reads.js';
import type { ValdService } from '../vald/service.js';
import { type BidiOptions, type CallContext, bidiStream, serverStream, unary } from './calls.js';
import { GrpcError, rpcStatus, toGrpcError } from './errors.js';

// vald.v1.Object, vald.v1.Search and vald.v1.Flush. Reads go straight to the store (they change
// nothing); Flush is a workflow like every write.
const STREAM: BidiOptions = { chunk: 64, lingerMs: 2, maxLingerMs: 2, inFlight: 2 };

const vectorOf = (p: Point) => ({ id: p.id, vector: Array.from(p.vector), timestamp: p.timestamp.toString() });

/** A stream answer: the message, or the status its request failed with (the stream goes on). */
async function each<Req, Res>(chunk: Req[], fn: (req: Req) => Promise<Res>, key: string) {
  return Promise.all(
    chunk.map(async (req) => {
      try {
        return { [key]: await fn(req) };
      } catch (err) {
        const e = toGrpcError(err);
        return { status: rpcStatus({ code: e.code, status: e.reason, message: e.details }) };
      }
    }),
  );
}

export function objectService(reads: ValdReads, log: Logger, collection: string): grpc.UntypedServiceImplementation {
  const get = (req: { id?: { id?: string } | null }, ctx: CallContext) => reads.get(ctx.collection, req.id?.id);
  return {
    Exists: unary(log, collection, async (req: { id?: string }, ctx) => ({
      id: await reads.exists(ctx.collection, req.id),
    })),
    GetObject: unary(log, collection, async (req: { id?: { id?: string } }, ctx) => vectorOf(await get(req, ctx))),
    GetTimestamp: unary(log, collection, async (req: { id?: { id?: string } }, ctx) => {
      const p = await get(req, ctx);
      return { id: p.id, timestamp: p.timestamp.toString() };
    }),
    StreamGetObject: bidiStream(log, collection, STREAM, (ctx) => ({
      apply: (chunk: { id?: { id?: string } }[]) => each(chunk, async (req) => vectorOf(await get(req, ctx)), 'vector'),
    })),
    StreamListObject: serverStream(log, collection, async (_req: unknown, ctx, send) => {
      for await (const point of reads.list(ctx.collection)) {
        if (ctx.signal.aborted) return;
        await send({ vector: vectorOf(point) });
      }
    }),
  };
}

interface RawConfig {
  request_id?: string;
  num?: number;
  min_num?: number;
  radius?: number;
  timeout?: string;
  ingress_filters?: { targets?: unknown[] } | null;
  egress_filters?: { targets?: unknown[] } | null;
}

export function searchService(reads: ValdReads, log: Logger, collection: string): grpc.UntypedServiceImplementation {
  let warned = false;
  const config = (raw: RawConfig | null | undefined): SearchConfig => {
    const c = raw ?? {};
    if (!warned && (c.ingress_filters?.targets?.length || c.egress_filters?.targets?.length)) {
      warned = true;
      log.warn('Vald search filters (ingress_filters, egress_filters) are ignored by vecflow');
    }
    return { num: c.num ?? 10, min_num: c.min_num ?? 0, radius: c.radius ?? -1, timeout: c.timeout ?? '0' };
  };
  const response = (requestId: string, results: Distance[]) => ({ request_id: requestId, results });
  const byVector =
    (exact: boolean) => async (req: { vector?: number[]; config?: RawConfig | null }, ctx: CallContext) =>
      response(req.config?.request_id ?? '', await reads.search(ctx.collection, req.vector, config(req.config), exact));
  const byId = (exact: boolean) => async (req: { id?: string; config?: RawConfig | null }, ctx: CallContext) =>
    response(
      req.config?.request_id || (req.id ?? ''),
      await reads.searchById(ctx.collection, req.id, config(req.config), exact),
    );
  const impl: grpc.UntypedServiceImplementation = {};
  for (const [prefix, exact] of [
    ['', false],
    ['Linear', true],
  ] as const) {
    for (const [suffix, fn] of [
      ['', byVector(exact)],
      ['ByID', byId(exact)],
    ] as const) {
      const run = fn as (req: unknown, ctx: CallContext) => Promise<ReturnType<typeof response>>;
      impl[`${prefix}Search${suffix}`] = unary(log, collection, run);
      impl[`Stream${prefix}Search${suffix}`] = bidiStream(log, collection, STREAM, (ctx) => ({
        apply: (chunk: unknown[]) => each(chunk, (req) => run(req, ctx), 'response'),
      }));
      impl[`Multi${prefix}Search${suffix}`] = unary(log, collection, async (req: { requests?: unknown[] }, ctx) => {
        const requests = req.requests ?? [];
        if (requests.length === 0) throw new GrpcError('INVALID_ARGUMENT', 'requests must not be empty', 'requests');
        return { responses: await Promise.all(requests.map((r) => run(r, ctx))) };
      });
    }
  }
  return impl;
}

export function flushService(service: ValdService, log: Logger, collection: string): grpc.UntypedServiceImplementation {
  return {
    Flush: unary(log, collection, async (_req: unknown, ctx) => {
      await service.flush(ctx.collection);
      return { stored: 0, uncommitted: 0, indexing: false, saving: false };
    }),
  };
}
