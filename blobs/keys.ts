import { ValidationError } from '../core/errors.js';

/** A safe relative key: '/'-separated, no empty, '.' or '..' segments, no backslashes or NULs. */
export function isSafeKey(key: string): boolean {
  const parts = key.split('/');
  return !(
    !key ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    parts.some((p, i) => (p === '' && i < parts.length - 1) || p === '.' || p === '..')
  );
}

export function assertKey(key: string, what = 'key'): string {
  if (!isSafeKey(key))
    throw new ValidationError(`invalid ${what} ${JSON.stringify(key)}: a relative path without '..'`, { field: what });
  return key;
}

/** A directory under a root as requests give it: '', '.', './a/' or a safe key. */
export function isSafeDir(dir: string): boolean {
  const rel = dir.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return rel === '' || rel === '.' || isSafeKey(rel);
}

/** Joins key parts, tolerating a trailing '/' on the prefix. */
export function joinKey(prefix: string, name: string): string {
  return prefix ? `${prefix.replace(/\/+$/, '')}/${name}` : name;
}
