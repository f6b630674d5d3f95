import type { Point } from '../../core/types.js';
import { PAYLOAD_KEY } from './filter.js';

// How a vecflow point is laid out in a Qdrant point's payload. Reserved keys sit beside the
// user payload (kept whole under `p`): the caller's id, and the int64 timestamp split into
// seconds and nanoseconds so Qdrant's integer filters compare it exactly. Qdrant normalises
// vectors of cosine collections, so their exact float32 bytes are kept too (`v`), as they are for
// a vector holding -0, which JSON cannot carry (JSON.stringify(-0) is "0").
export const RESERVED = { id: 'id', tsHi: 'ts_s', tsLo: 'ts_ns', exact: 'v' } as const;
const NS = 1_000_000_000n;

export function encodePayload(point: Point, keepExact: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [RESERVED.id]: point.id,
    [RESERVED.tsHi]: Number(point.timestamp / NS),
    [RESERVED.tsLo]: Number(point.timestamp % NS),
    [PAYLOAD_KEY]: point.payload,
  };
  if (keepExact || point.vector.some((x) => Object.is(x, -0)))
    out[RESERVED.exact] = Buffer.from(point.vector.buffer, point.vector.byteOffset, point.vector.byteLength).toString(
      'base64',
    );
  return out;
}

export function decodePoint(payload: Record<string, unknown>, vector: unknown): Point {
  const exact = payload[RESERVED.exact];
  let vec: Float32Array;
  if (typeof exact === 'string') {
    const bytes = Buffer.from(exact, 'base64');
    vec = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } else {
    vec = Array.isArray(vector) ? Float32Array.from(vector as number[]) : new Float32Array(0);
  }
  return {
    id: String(payload[RESERVED.id]),
    payload: (payload[PAYLOAD_KEY] as Record<string, unknown>) ?? {},
    timestamp: decodeTimestamp(payload),
    vector: vec,
  };
}

export function decodeTimestamp(payload: Record<string, unknown>): bigint {
  return BigInt(Number(payload[RESERVED.tsHi] ?? 0)) * NS + BigInt(Number(payload[RESERVED.tsLo] ?? 0));
}

/** Filter: the stored timestamp compares with `ts` as `op` says (exact, on the two integer halves). */
export function timestampFilter(op: 'eq' | 'ne' | 'ge' | 'gt' | 'le' | 'lt', ts: bigint): Record<string, unknown> {
  const hi = Number(ts / NS);
  const lo = Number(ts % NS);
  const sameSecond = { key: RESERVED.tsHi, match: { value: hi } };
  if (op === 'eq') return { must: [sameSecond, { key: RESERVED.tsLo, match: { value: lo } }] };
  if (op === 'ne') return { must_not: [timestampFilter('eq', ts)] };
  const strict = op === 'gt' || op === 'lt' ? op : op === 'ge' ? 'gte' : 'lte';
  const outer = op === 'gt' || op === 'ge' ? 'gt' : 'lt';
  return {
    should: [
      { key: RESERVED.tsHi, range: { [outer]: hi } },
      { must: [sameSecond, { key: RESERVED.tsLo, range: { [strict]: lo } }] },
    ],
  };
}

/** Filter: the stored timestamp is older than `ts` (so a write carrying `ts` may replace it). */
export function olderThan(ts: bigint): Record<string, unknown> {
  return timestampFilter('lt', ts);
}
