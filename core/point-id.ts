import { v5 as uuidv5 } from 'uuid';
import { ValidationError } from './errors.js';

// Every adapter stores a point under UUIDv5(caller id): Qdrant only accepts UUIDs or integers,
// and a shared internal id gives every store the same scan order, so a shard is the same range
// everywhere. The caller's id is kept beside it.
const VECFLOW_NAMESPACE = '6f1c3b1e-8d0a-5b7e-9a43-2f5c0d1e7a90';

export const MAX_ID_BYTES = 4096;

export function assertPointId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ValidationError(`${field} must be a non-empty string`, { field });
  }
  if (Buffer.byteLength(id, 'utf8') > MAX_ID_BYTES) {
    throw new ValidationError(`${field} is longer than ${MAX_ID_BYTES} bytes`, { field });
  }
  if (id.includes('\u0000')) throw new ValidationError(`${field} must not contain NUL characters`, { field });
  return id;
}

export function internalId(id: string): string {
  return uuidv5(id, VECFLOW_NAMESPACE);
}
