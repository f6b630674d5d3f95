import * as grpc from '@grpc/grpc-js';
import { VecflowError, errorMessage } from '../../core/errors.js';
import { CODES, type CodeName, type ValdResult } from '../../core/vald.js';
import { DeadlineError } from '../vald/reads.js';
import { valdProto } from './descriptors.js';

// Errors as Vald sends them: the gRPC status, and in the `grpc-status-details-bin` trailer a
// google.rpc.Status whose details are Vald's own rpc.v1.ErrorInfo and, for an invalid request,
// rpc.v1.BadRequest with the field violations.
const DOMAIN = 'vecflow';

type Detail = { type: string; value: Record<string, unknown> };
export interface FieldViolation {
  field: string;
  description: string;
}

function details(name: CodeName, violations: FieldViolation[], metadata: Record<string, string>): Detail[] {
  const out: Detail[] = [{ type: 'rpc.v1.ErrorInfo', value: { reason: name, domain: DOMAIN, metadata } }];
  if (violations.length) out.push({ type: 'rpc.v1.BadRequest', value: { fieldViolations: violations } });
  return out;
}

/** What a handler throws (or a callback gets) to end a call with a Vald status. */
export class GrpcError extends Error implements Partial<grpc.StatusObject> {
  readonly code: grpc.status;
  /** Vald's name of the code (INVALID_ARGUMENT…). */
  readonly reason: CodeName;
  readonly details: string;
  readonly metadata: grpc.Metadata;

  constructor(name: CodeName, message: string, field?: string | FieldViolation[], info: Record<string, string> = {}) {
    super(message);
    const violations = typeof field === 'string' ? [{ field, description: message }] : (field ?? []);
    this.code = CODES[name] as grpc.status;
    this.reason = name;
    this.details = message;
    this.metadata = new grpc.Metadata();
    this.metadata.set(
      'grpc-status-details-bin',
      valdProto().encodeStatus(CODES[name], message, details(name, violations, info)),
    );
  }
}

/** Any failure as a Vald status: client mistakes keep their class, dependencies down are UNAVAILABLE. */
export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof GrpcError) return err;
  if (err instanceof VecflowError) {
    const field = (err.details as { field?: string } | undefined)?.field;
    const name: CodeName =
      err.status === 400 || err.status === 413
        ? 'INVALID_ARGUMENT'
        : err.status === 404
          ? 'NOT_FOUND'
          : err.status === 409
            ? 'ALREADY_EXISTS'
            : err.status === 503
              ? 'UNAVAILABLE'
              : 'INTERNAL';
    return new GrpcError(name, err.message, field);
  }
  if (err instanceof DeadlineError) return new GrpcError('DEADLINE_EXCEEDED', err.message);
  const e = err as { code?: unknown; name?: string };
  if (e.code === 14 || e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.name === 'ServiceError')
    return new GrpcError('UNAVAILABLE', `a dependency is unavailable: ${errorMessage(err)}`);
  return new GrpcError('INTERNAL', 'internal error; see the server log');
}

/** A Vald result's status as the google.rpc.Status a stream answer carries (proto-loader's shape). */
export function rpcStatus(result: Extract<ValdResult, { status: unknown }>['status']) {
  const proto = valdProto();
  const violations = result.field ? [{ field: result.field, description: result.message }] : [];
  const encoded = details(result.status, violations, {}).map((d) => ({
    type_url: `type.googleapis.com/${d.type}`,
    value: proto.encodeDetail(d.type, d.value),
  }));
  return { code: result.code, message: result.message, details: encoded };
}
