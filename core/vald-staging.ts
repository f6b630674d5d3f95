import { float32From, writeFloat32 } from './float32.js';
import type { StagedRef, StagingArea } from './staging.js';
import type { ValdRequest } from './vald.js';

// A large Vald batch, staged for the worker: the requests without their vectors as JSON, and
// every vector's float32 values back to back in one binary file (little-endian), which the
// worker reads as views, with no parsing (JSON number arrays or base64 cost more than the write).
const INDEX = 'requests.json';
const VECTORS = 'vectors.f32';

type Indexed = Omit<ValdRequest, 'vector'> & { dim: number };

export async function stageValdRequests(staging: StagingArea, requests: ValdRequest[]): Promise<StagedRef> {
  const total = requests.reduce((n, r) => n + (r.vector?.length ?? 0), 0);
  const body = Buffer.allocUnsafe(total * 4);
  let offset = 0;
  const index: Indexed[] = requests.map(({ vector, ...rest }) => {
    if (vector) offset = writeFloat32(vector, body, offset, 'le');
    return { ...rest, dim: vector?.length ?? 0 };
  });
  return staging.stageFiles('vald', { [INDEX]: JSON.stringify(index), [VECTORS]: body }, requests.length);
}

export async function readValdRequests(staging: StagingArea, ref: StagedRef): Promise<ValdRequest[]> {
  const index = JSON.parse((await staging.readStagedFile(ref, INDEX)).toString('utf8')) as Indexed[];
  const bytes = await staging.readStagedFile(ref, VECTORS);
  // One aligned copy; every vector is then a view into it.
  const floats = float32From(bytes, 'le');
  let at = 0;
  return index.map(({ dim, ...rest }) => {
    const vector = dim ? floats.subarray(at, at + dim) : undefined;
    at += dim;
    return vector ? { ...rest, vector } : rest;
  });
}
