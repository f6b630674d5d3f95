import type { StagedRef, StagingArea } from './staging.js';
import type { ValdRequest } from './vald.js';

// A large Vald batch, staged for the worker: the requests without their vectors as JSON, and
// every vector's float32 values back to back in one binary file (little-endian), which the
// worker reads as views, with no parsing (JSON number arrays or base64 cost more than the write).
const INDEX = 'requests.json';
const VECTORS = 'vectors.f32';
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type Indexed = Omit<ValdRequest, 'vector'> & { dim: number };

export async function stageValdRequests(staging: StagingArea, requests: ValdRequest[]): Promise<StagedRef> {
  const total = requests.reduce((n, r) => n + (r.vector?.length ?? 0), 0);
  const body = Buffer.allocUnsafe(total * 4);
  let offset = 0;
  const index: Indexed[] = requests.map(({ vector, ...rest }) => {
    if (vector) offset += Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(body, offset);
    return { ...rest, dim: vector?.length ?? 0 };
  });
  if (!LITTLE_ENDIAN) body.swap32();
  return staging.stageFiles('vald', { [INDEX]: JSON.stringify(index), [VECTORS]: body }, requests.length);
}

export async function readValdRequests(staging: StagingArea, ref: StagedRef): Promise<ValdRequest[]> {
  const index = JSON.parse((await staging.readStagedFile(ref, INDEX)).toString('utf8')) as Indexed[];
  const bytes = await staging.readStagedFile(ref, VECTORS);
  // A copy into a fresh, aligned buffer; every vector is then a view into it.
  const floats = new Float32Array(bytes.length / 4);
  const view = Buffer.from(floats.buffer);
  bytes.copy(view);
  if (!LITTLE_ENDIAN) view.swap32();
  let at = 0;
  return index.map(({ dim, ...rest }) => {
    const vector = dim ? floats.subarray(at, at + dim) : undefined;
    at += dim;
    return vector ? { ...rest, vector } : rest;
  });
}
