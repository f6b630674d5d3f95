import { ValidationError } from '../core/errors.js';

/** A safe relative key: '/'-separated, no empty, '.' or '..' segments, no backslashes or NULs. */
export function assertKey(key: string, what = 'key'): string {
  const parts = key.split('/');
  if (
    !key ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    parts.some((p, i) => (p === '' && i < parts.length - 1) || p === '.' || p === '..')
  ) {
    throw new ValidationError(`invalid ${what} ${JSON.stringify(key)}: a relative path without '..'`, { field: what });
  }
  return key;
}

/** Joins key parts, tolerating a trailing '/' on the prefix. */
export function joinKey(prefix: string, name: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${name}` : name;
}
