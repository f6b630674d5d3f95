import { float32From } from './float32.js';
import type { StagedRef, StagingArea } from './staging.js';
import type { ValdRequest } from './vald.js';

// A large Vald batch staged for the worker by an earlier version of the API (which applied Multi
// requests through valdWriteWorkflow): the requests without their vectors as JSON, and every
// vector's float32 values back to back in one binary file (little-endian). Kept so that runs
// started before an upgrade still complete; the API no longer stages batches.
const INDEX = 'requests.json';
const VECTORS = 'vectors.f32';

type Indexed = Omit<ValdRequest, 'vector'> & { dim: number };

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
