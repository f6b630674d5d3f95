import { internalIdBytes } from '../../core/point-id.js';
import type { Point } from '../../core/types.js';
import { float32From, writeFloat32 } from '../../core/float32.js';
import { payloadJson } from './vectors.js';

// PostgreSQL's binary COPY format for point rows (pid uuid, id text, vector, payload jsonb,
// ts bigint), used by the embedded store's bulk path (COPY … '/dev/blob' in the process that
// owns PGlite). pgvector's binary form is int16 dim, int16 unused, then big-endian float4s.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
export function encodeRows(points: Point[]): Buffer {
  // Sizes first, then one buffer: no per-row allocations. Vectors are copied whole and
  // byte-swapped natively (swap32), far cheaper than a writeFloatBE per value.
  const ids = points.map((p) => Buffer.from(p.id, 'utf8'));
  const payloads = points.map((p) => Buffer.from(payloadJson(p), 'utf8'));
  let size = SIGNATURE.length + 8 + 2;
  points.forEach((p, i) => {
    size += 2 + (4 + 16) + (4 + ids[i].length) + (4 + 4 + p.vector.length * 4) + (4 + 1 + payloads[i].length) + 12;
  });
  const b = Buffer.allocUnsafe(size);
  SIGNATURE.copy(b);
  let o = b.writeInt32BE(0, SIGNATURE.length);
  o = b.writeInt32BE(0, o);
  points.forEach((p, i) => {
    const dim = p.vector.length;
    o = b.writeInt16BE(5, o);
    o = b.writeInt32BE(16, o);
    o += internalIdBytes(p.id).copy(b, o);
    o = b.writeInt32BE(ids[i].length, o);
    o += ids[i].copy(b, o);
    o = b.writeInt32BE(4 + dim * 4, o);
    o = b.writeInt16BE(dim, o);
    o = b.writeInt16BE(0, o);
    o = writeFloat32(p.vector, b, o, 'be');
    o = b.writeInt32BE(1 + payloads[i].length, o);
    o = b.writeUInt8(1, o);
    o += payloads[i].copy(b, o);
    o = b.writeInt32BE(8, o);
    o = b.writeBigInt64BE(p.timestamp, o);
  });
  b.writeInt16BE(-1, o);
  return b;
}

/** Rows of `COPY (SELECT pid, id, vector, payload, ts …) TO … (FORMAT binary)`. */
export function decodeRows(buf: Buffer): (Point & { pid: string })[] {
  let o = SIGNATURE.length + 4;
  o += 4 + buf.readInt32BE(o);
  const out: (Point & { pid: string })[] = [];
  for (;;) {
    const fields = buf.readInt16BE(o);
    o += 2;
    if (fields === -1) break;
    const field = () => {
      const len = buf.readInt32BE(o);
      o += 4;
      const start = o;
      o += Math.max(0, len);
      return len < 0 ? null : buf.subarray(start, start + len);
    };
    const pid = field()!.toString('hex');
    const id = field()!.toString('utf8');
    const v = field()!;
    const vector = float32From(v.subarray(4, 4 + v.readInt16BE(0) * 4), 'be');
    const payload = JSON.parse(field()!.subarray(1).toString('utf8'));
    const timestamp = field()!.readBigInt64BE(0);
    out.push({
      pid: `${pid.slice(0, 8)}-${pid.slice(8, 12)}-${pid.slice(12, 16)}-${pid.slice(16, 20)}-${pid.slice(20)}`,
      id,
      vector,
      payload,
      timestamp,
    });
  }
  return out;
}
