import { writeFloat32 } from '../../core/float32.js';

// PostgreSQL's binary COPY input for LangChain rows: some columns given as text, then one
// pgvector column (int16 dim, int16 unused, big-endian float4s). Binary vectors spare the
// database its parsing of every float, which costs most of a text COPY … FROM.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * How a text column goes on the wire: `text` (text, varchar), `jsonb` (its binary form: version
 * byte 1, then the JSON text), `uuid` (16 bytes, from the canonical text form).
 */
export type WireKind = 'text' | 'jsonb' | 'uuid';

export interface TextVectorRows {
  /** Column-major text columns (null for SQL NULL). */
  texts: (string | null)[][];
  vectors: (Float32Array | null)[];
}

function encodeText(t: string, kind: WireKind): Buffer {
  if (kind === 'uuid') return Buffer.from(t.replace(/-/g, ''), 'hex');
  const b = Buffer.from(t, 'utf8');
  return kind === 'jsonb' ? Buffer.concat([Buffer.of(1), b]) : b;
}

/** The binary COPY input of rows (text columns, each of its kind — text by default — then the vector). */
export function encodeTextVectorRows(rows: TextVectorRows, kinds?: WireKind[]): Buffer {
  const n = rows.vectors.length;
  const texts = rows.texts.map((col, c) => col.map((t) => (t === null ? null : encodeText(t, kinds?.[c] ?? 'text'))));
  let size = SIGNATURE.length + 8 + 2;
  for (let i = 0; i < n; i++) {
    size += 2;
    for (const col of texts) size += 4 + (col[i]?.length ?? 0);
    size += 4 + (rows.vectors[i] ? 4 + rows.vectors[i]!.length * 4 : 0);
  }
  const b = Buffer.allocUnsafe(size);
  SIGNATURE.copy(b);
  let o = b.writeInt32BE(0, SIGNATURE.length);
  o = b.writeInt32BE(0, o);
  for (let i = 0; i < n; i++) {
    o = b.writeInt16BE(texts.length + 1, o);
    for (const col of texts) {
      const t = col[i];
      o = b.writeInt32BE(t === null ? -1 : t.length, o);
      if (t) o += t.copy(b, o);
    }
    const v = rows.vectors[i];
    if (!v) o = b.writeInt32BE(-1, o);
    else {
      o = b.writeInt32BE(4 + v.length * 4, o);
      o = b.writeInt16BE(v.length, o);
      o = b.writeInt16BE(0, o);
      o = writeFloat32(v, b, o, 'be');
    }
  }
  b.writeInt16BE(-1, o);
  return b;
}
