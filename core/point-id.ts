import { createHash } from 'node:crypto';
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

const NAMESPACE_BYTES = Buffer.from(VECFLOW_NAMESPACE.replace(/-/g, ''), 'hex');

/** UUIDv5 (RFC 9562 §5.5) of the id, as its 16 bytes; node:crypto's SHA-1 directly (the hot path of bulk writes). */
export function internalIdBytes(id: string): Buffer {
  const bytes = createHash('sha1').update(NAMESPACE_BYTES).update(id, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return bytes;
}

export function internalId(id: string): string {
  const hex = internalIdBytes(id).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A UUID in its canonical text form, any case (Postgres's uuid type reads it so). */
export const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
