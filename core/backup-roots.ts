import path from 'node:path';
import { isSafeDir } from '../blobs/keys.js';
import type { AppConfig } from './config.js';
import { ValidationError } from './errors.js';

// Where backups may live on disk: a list of roots. VECFLOW_BACKUP_ROOT (the one root before
// there were several) comes first, then VECFLOW_BACKUP_ROOTS; with neither, <data dir>/backups.
// `npm start` on the embedded store adds the directory it was started from (INIT_CWD), so the
// seed's `--output-dir ./embedding_backups/$(date +%Y%m%d)` lands where the user ran it.
//
// A directory a request names is either absolute and inside a root, or relative and taken under
// the first root (never with '..'). Anything else is refused before a job starts.
export const ROOTS_VARIABLE = 'VECFLOW_BACKUP_ROOTS';

export function backupRoots(config: Pick<AppConfig, 'env' | 'dataDir'>): string[] {
  const listed = [
    ...(config.env.VECFLOW_BACKUP_ROOT ? [config.env.VECFLOW_BACKUP_ROOT] : []),
    ...(config.env.VECFLOW_BACKUP_ROOTS ?? []),
  ];
  const roots = listed.length ? listed : [path.join(config.dataDir, 'backups')];
  return [...new Set(roots.map((r) => path.resolve(r)))];
}

/** True when `dir` (absolute, normalized) is `root` or below it. */
function within(root: string, dir: string): boolean {
  const rel = path.relative(root, dir);
  // '..' as a segment, not as the start of a name ('.. ' or '..x' are names inside the root).
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The absolute directory a request's `dir` names, confined to the roots; a ValidationError
 * naming the field, the roots and the variable that changes them otherwise.
 */
export function resolveBackupDir(roots: string[], dir: string, field = 'dir'): string {
  if (dir.includes('\0')) throw new ValidationError(`${field} contains a NUL byte`, { field });
  if (path.isAbsolute(dir)) {
    const absolute = path.resolve(dir);
    // Lexically normalized: '/root/a/../../etc' is '/etc', outside.
    if (roots.some((root) => within(root, absolute))) return absolute;
    throw new ValidationError(
      `${field} ${JSON.stringify(dir)} is outside every backup root (${roots.join(', ')}); add its directory to ${ROOTS_VARIABLE} (comma-separated absolute paths) where vecflow runs, or give a path relative to ${roots[0]}`,
      { field },
    );
  }
  if (!isSafeDir(dir))
    throw new ValidationError(
      `${field} ${JSON.stringify(dir)} must stay inside the backup root: no '..' segments (a relative path is taken under ${roots[0]})`,
      { field },
    );
  const rel = dir.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return rel === '' || rel === '.' ? roots[0] : path.join(roots[0], ...rel.split('/'));
}
