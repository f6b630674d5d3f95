import { internalId } from '../../core/point-id.js';
import type { Point } from '../../core/types.js';
import { payloadJson } from './vectors.js';

// PostgreSQL's binary COPY format for point rows (pid uuid, id text, vector, payload jsonb,
// ts bigint), used by the embedded store's bulk path (COPY … '/dev/blob' in the process that
// owns PGlite). pgvector's binary form is int16 dim, int16 unused, then big-endian float4s.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export function encodeRows(points: Point[]): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(header);
  parts.push(header);
  for (const p of points) {
    const id = Buffer.from(p.id, 'utf8');
    const payload = Buffer.from(payloadJson(p), 'utf8');
    const dim = p.vector.length;
    const size = 2 + (4 + 16) + (4 + id.length) + (4 + 4 + dim * 4) + (4 + 1 + payload.length) + (4 + 8);
    const b = Buffer.alloc(size);
    let o = b.writeInt16BE(5, 0);
    o = b.writeInt32BE(16, o);
    o += Buffer.from(internalId(p.id).replace(/-/g, ''), 'hex').copy(b, o);
    o = b.writeInt32BE(id.length, o);
    o += id.copy(b, o);
    o = b.writeInt32BE(4 + dim * 4, o);
    o = b.writeInt16BE(dim, o);
    o = b.writeInt16BE(0, o);
    for (let i = 0; i < dim; i++) o = b.writeFloatBE(p.vector[i], o);
    o = b.writeInt32BE(1 + payload.length, o);
    o = b.writeUInt8(1, o);
    o += payload.copy(b, o);
    o = b.writeInt32BE(8, o);
    b.writeBigInt64BE(p.timestamp, o);
    parts.push(b);
  }
  parts.push(Buffer.from([0xff, 0xff]));
  return Buffer.concat(parts);
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
    const dim = v.readInt16BE(0);
    const vector = new Float32Array(dim);
    for (let i = 0; i < dim; i++) vector[i] = v.readFloatBE(4 + i * 4);
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
