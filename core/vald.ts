import { ValidationError } from './errors.js';
import { assertPointId } from './point-id.js';

// Vald's request/response vocabulary, mirrored in JSON: pure types and functions.
export const CODES = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;
export type CodeName = keyof typeof CODES;
export const HTTP_STATUS: Record<CodeName, number> = {
  OK: 200,
  CANCELLED: 499,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  ABORTED: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

export type WriteOp = 'insert' | 'update' | 'upsert';
export type ValdOp = WriteOp | 'remove';

export interface Location {
  name: string;
  uuid: string;
  ips: string[];
}
export interface Status {
  code: number;
  status: CodeName;
  message: string;
  /** For INVALID_ARGUMENT: the request field at fault (gRPC sends it as a BadRequest field violation). */
  field?: string;
}
export type ValdResult = { location: Location } | { status: Status };

/** A validated request; timestamps as decimal strings. */
export interface ValdRequest {
  id: string;
  vector?: Float32Array;
  timestamp: string;
  /** Explicitly given by the caller (a remove then spares newer points). */
  timestampGiven: boolean;
  skipStrictExistCheck: boolean;
}

/**
 * A request as it travels through workflow history: the vector as the base64 of its float32
 * values (bit-exact, -0 included, which a JSON number array would lose).
 */
export type ValdRequestWire = Omit<ValdRequest, 'vector'> & { vector?: string };

export const toWire = (r: ValdRequest): ValdRequestWire => ({ ...r, vector: r.vector && packVector(r.vector) });
export const fromWire = (r: ValdRequestWire): ValdRequest => ({
  ...r,
  vector: r.vector ? unpackVector(r.vector) : undefined,
});

/** float32 values as base64 (little-endian), and back. */
export function packVector(values: ArrayLike<number>): string {
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}
export function unpackVector(packed: string): Float32Array {
  const bytes = Buffer.from(packed, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export const MIN_DIM = 2;
export const MAX_DIM = 65_536;
/** The largest finite float32: a number beyond it becomes Infinity when stored. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export function status(name: CodeName, message: string, field?: string): { status: Status } {
  return { status: { code: CODES[name], status: name, message, ...(field ? { field } : {}) } };
}

/** int64 nanoseconds from a JSON number or string; null when absent or zero (Vald: "use now"). */
export function parseTimestamp(raw: unknown, field: string): bigint | null {
  if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return null;
  let v: bigint;
  try {
    if (typeof raw === 'number' && Number.isInteger(raw)) v = BigInt(raw);
    else if (typeof raw === 'string' && /^-?\d+$/.test(raw)) v = BigInt(raw);
    else throw new Error();
  } catch {
    throw new ValidationError(`${field} must be an int64 number of nanoseconds`, { field });
  }
  if (v < 0n || v > 9_223_372_036_854_775_807n)
    throw new ValidationError(`${field} is out of the int64 range or negative`, { field });
  return v;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/**
 * Validates one Vald request (`{vector: {id, vector}, config}` for writes, `{id: {id}, config}`
 * for remove) and throws ValidationError (INVALID_ARGUMENT) naming the field.
 */
function firstNonFinite(values: ArrayLike<unknown>): number {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return i;
  }
  return -1;
}

export function parseRequest(op: ValdOp, raw: unknown, now: bigint, dimension: number): ValdRequest {
  const body = obj(raw);
  const config = obj(body.config);
  const given = parseTimestamp(config.timestamp, 'config.timestamp');
  const skip = config.skip_strict_exist_check === true;
  if (op === 'remove') {
    const id = assertPointId(obj(body.id).id, 'id.id');
    return { id, timestamp: String(given ?? now), timestampGiven: given !== null, skipStrictExistCheck: skip };
  }
  const vec = obj(body.vector);
  assertPointId(vec.id, 'vector.id');
  // A JSON number array (REST) or the float32 values as decoded from the wire (gRPC).
  const values = vec.vector;
  if (!Array.isArray(values) && !(values instanceof Float32Array))
    throw new ValidationError('vector.vector must be an array of numbers', { field: 'vector.vector' });
  if (values.length < MIN_DIM || values.length > MAX_DIM) {
    throw new ValidationError(
      `vector.vector must have between ${MIN_DIM} and ${MAX_DIM} values, got ${values.length}`,
      { field: 'vector.vector' },
    );
  }
  const bad = firstNonFinite(values);
  if (bad >= 0)
    throw new ValidationError(`vector.vector[${bad}] is not a finite number`, { field: `vector.vector[${bad}]` });
  if (values.length !== dimension) {
    throw new ValidationError(`vector.vector has dimension ${values.length}, the collection's is ${dimension}`, {
      field: 'vector.vector',
    });
  }
  const floats = values instanceof Float32Array ? values : Float32Array.from(values as number[]);
  const overflow = floats === values ? -1 : firstNonFinite(floats);
  if (overflow >= 0)
    throw new ValidationError(`vector.vector[${overflow}] is outside the float32 range`, {
      field: `vector.vector[${overflow}]`,
    });
  const ts = given ?? parseTimestamp(vec.timestamp, 'vector.timestamp');
  return {
    id: vec.id as string,
    vector: floats,
    timestamp: String(ts ?? now),
    timestampGiven: ts !== null,
    skipStrictExistCheck: skip,
  };
}

export const TS_OPERATORS = ['eq', 'ne', 'ge', 'gt', 'le', 'lt'] as const;
export type TsOperator = (typeof TS_OPERATORS)[number];

/** `timestamps: [{timestamp, operator}]`; an empty list is refused (it never means "everything"). */
export function parseTimestampConditions(raw: unknown): { operator: TsOperator; timestamp: string }[] {
  const list = obj(raw).timestamps;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ValidationError(
      'timestamps must be a non-empty list of {timestamp, operator}; an empty list would remove everything',
      { field: 'timestamps' },
    );
  }
  return list.map((c, i) => {
    const entry = obj(c);
    const opRaw = entry.operator ?? 'eq';
    const op = typeof opRaw === 'number' ? TS_OPERATORS[opRaw] : String(opRaw).toLowerCase();
    if (!TS_OPERATORS.includes(op as TsOperator)) {
      throw new ValidationError(`timestamps[${i}].operator must be one of EQ NE GE GT LE LT`, {
        field: `timestamps[${i}].operator`,
      });
    }
    const ts = parseTimestamp(entry.timestamp, `timestamps[${i}].timestamp`);
    return { operator: op as TsOperator, timestamp: String(ts ?? 0n) };
  });
}
