import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../core/logger.js';
import { type ValdOp, type ValdResult, parseTimestampConditions } from '../../core/vald.js';
import type { ValdService } from '../vald/service.js';
import type { StreamRecord } from '../vald/journal.js';
import { type BidiOptions, bidiStream, unary } from './calls.js';
import { type FieldViolation, GrpcError, rpcStatus } from './errors.js';

// vald.v1.Insert, Upsert, Update and Remove: the same semantics as the REST mirror (ValdService),
// answered in Vald's messages. Unary: a Location or a status. Multi: every valid request is
// applied; all succeeded → Locations index-aligned with the requests, else one status naming
// each failed request. Stream: one StreamLocation per request, in request order.
const STREAM: BidiOptions = { chunk: 2000, lingerMs: 10, maxLingerMs: 100, inFlight: 2 };

type Location = { name: string; uuid: string; ips: string[] };

function locationOrThrow(result: ValdResult): Location {
  if ('location' in result) return result.location;
  throw new GrpcError(result.status.status, result.status.message, result.status.field);
}

function multiOrThrow(results: ValdResult[], path: (i: number, field: string) => string): { locations: Location[] } {
  const failed = results.flatMap((r, i) => ('status' in r ? [{ i, s: r.status }] : []));
  if (failed.length === 0) return { locations: results.map((r) => (r as { location: Location }).location) };
  const violations: FieldViolation[] = failed
    .filter(({ s }) => s.status === 'INVALID_ARGUMENT')
    .map(({ i, s }) => ({ field: path(i, s.field ?? ''), description: s.message }));
  const listed = failed.slice(0, 10).map(({ i, s }) => `requests[${i}]: ${s.status} ${s.message}`);
  const more = failed.length > 10 ? `; and ${failed.length - 10} more` : '';
  throw new GrpcError(
    failed[0].s.status,
    `${failed.length} of ${results.length} requests failed (the others were applied): ${listed.join('; ')}${more}`,
    violations,
    Object.fromEntries(failed.slice(0, 100).map(({ i, s }) => [`requests[${i}]`, s.status])),
  );
}

const streamLocation = (result: ValdResult) =>
  'location' in result ? { location: result.location } : { status: rpcStatus(result.status) };

const NAMES: Record<ValdOp, string> = { insert: 'Insert', upsert: 'Upsert', update: 'Update', remove: 'Remove' };

/** The implementation of one of the four write services. */
export function writeService(
  op: ValdOp,
  service: ValdService,
  log: Logger,
  defaultCollection: string,
): grpc.UntypedServiceImplementation {
  const name = NAMES[op];
  const impl: grpc.UntypedServiceImplementation = {
    [name]: unary(log, defaultCollection, async (req: unknown, ctx) =>
      locationOrThrow((await service.apply(ctx.collection, op, [req], 'single'))[0]),
    ),
    [`Multi${name}`]: unary(log, defaultCollection, async (req: { requests?: unknown[] }, ctx) => {
      const requests = req.requests ?? [];
      if (requests.length === 0) throw new GrpcError('INVALID_ARGUMENT', 'requests must not be empty', 'requests');
      return multiOrThrow(
        await service.apply(ctx.collection, op, requests, 'batch'),
        (i, f) => `requests[${i}]${f ? `.${f}` : ''}`,
      );
    }),
    [`Stream${name}`]: bidiStream(log, defaultCollection, STREAM, (ctx) => {
      // A stream's writes are recorded together (journal.ts), from its first chunk on.
      let record: Promise<StreamRecord> | undefined;
      return {
        apply: async (chunk: unknown[]) =>
          (await service.apply(ctx.collection, op, chunk, await (record ??= service.openStream(op)))).map(
            streamLocation,
          ),
        close: async () => (await record)?.close(),
      };
    }),
  };
  if (op === 'remove') {
    impl.RemoveByTimestamp = unary(log, defaultCollection, async (req: unknown, ctx) => {
      const results = await service.removeByTimestamp(ctx.collection, parseTimestampConditions(req));
      return { locations: results.map(locationOrThrow) };
    });
  }
  if (op === 'update') {
    impl.UpdateTimestamp = unary(
      log,
      defaultCollection,
      async (req: { id?: string; timestamp?: string; force?: boolean }, ctx) =>
        locationOrThrow(await service.updateTimestamp(ctx.collection, req)),
    );
  }
  return impl;
}
