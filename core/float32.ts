// float32 values and their bytes, without a per-value loop: a copy and, where the byte order
// differs from this machine's, one native swap32. Little-endian is the wire order of protobuf and
// of vecflow's staged files; big-endian that of pgvector's binary form.
const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The bytes as float32s in a fresh, aligned array (a trailing partial value is dropped). */
export function float32From(bytes: Uint8Array, order: 'le' | 'be'): Float32Array {
  const out = new Float32Array(Math.floor(bytes.length / 4));
  const view = Buffer.from(out.buffer);
  view.set(bytes.subarray(0, view.length));
  if (NATIVE_LE !== (order === 'le')) view.swap32();
  return out;
}

/** Writes the values into `target` at `offset` in the given byte order; returns the offset after them. */
export function writeFloat32(values: Float32Array, target: Buffer, offset: number, order: 'le' | 'be'): number {
  const end = offset + Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(target, offset);
  if (NATIVE_LE !== (order === 'le')) target.subarray(offset, end).swap32();
  return end;
}
