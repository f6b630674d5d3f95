import { float32From, writeFloat32 } from '../../core/float32.js';

// PostgreSQL's binary COPY format for LangChain rows: some text columns, then one pgvector
// column (int16 dim, int16 unused, big-endian float4s). Binary vectors spare the database its
// text parsing and printing of every float, which costs most of a text COPY.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export interface TextVectorRows {
  /** Column-major text columns (null for SQL NULL). */
  texts: (string | null)[][];
  vectors: (Float32Array | null)[];
}

/** Rows whose vectors Postgres printed (`embedding::text`): every column text. */
export interface TextRows {
  texts: (string | null)[][];
}

/** Rows of `COPY (SELECT text… ) TO … (FORMAT binary)`: every column text. */
export function decodeTextRows(buf: Buffer, columns: number): TextRows {
  const out: TextRows = { texts: Array.from({ length: columns }, () => []) };
  if (buf.length === 0) return out;
  let o = SIGNATURE.length + 4;
  o += 4 + buf.readInt32BE(o);
  while (buf.readInt16BE(o) !== -1) {
    o += 2;
    for (let c = 0; c < columns; c++) {
      const len = buf.readInt32BE(o);
      o += 4;
      out.texts[c].push(len < 0 ? null : buf.toString('utf8', o, o + len));
      o += Math.max(0, len);
    }
  }
  return out;
}

/** Rows of `COPY (SELECT text…, vector …) TO … (FORMAT binary)`. */
export function decodeTextVectorRows(buf: Buffer, textColumns: number): TextVectorRows {
  const out: TextVectorRows = { texts: Array.from({ length: textColumns }, () => []), vectors: [] };
  if (buf.length === 0) return out;
  let o = SIGNATURE.length + 4;
  o += 4 + buf.readInt32BE(o);
  for (;;) {
    const fields = buf.readInt16BE(o);
    o += 2;
    if (fields === -1) break;
    for (let c = 0; c < textColumns; c++) {
      const len = buf.readInt32BE(o);
      o += 4;
      out.texts[c].push(len < 0 ? null : buf.toString('utf8', o, o + len));
      o += Math.max(0, len);
    }
    const len = buf.readInt32BE(o);
    o += 4;
    if (len < 0) out.vectors.push(null);
    else {
      const dim = buf.readInt16BE(o);
      out.vectors.push(float32From(buf.subarray(o + 4, o + 4 + dim * 4), 'be'));
      o += len;
    }
  }
  return out;
}

/** The binary COPY input of rows (text columns, then the vector). */
export function encodeTextVectorRows(rows: TextVectorRows): Buffer {
  const n = rows.vectors.length;
  const texts = rows.texts.map((col) => col.map((t) => (t === null ? null : Buffer.from(t, 'utf8'))));
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
