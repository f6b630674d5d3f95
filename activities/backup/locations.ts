import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalBlobStore } from '../../blobs/local.js';
import { backupRoots, resolveBackupDir } from '../../core/backup-roots.js';
import { S3BlobStore } from '../../blobs/s3.js';
import { type AppConfig, assertBucketAllowed } from '../../core/config.js';
import type { S3Location } from '../../core/backup.js';

/**
 * The directory a job's `dir` names, confined to this worker's backup roots (core/backup-roots.ts):
 * the API already resolved it to an absolute path inside them; a relative one (older jobs,
 * schedules created before) is taken under the first root.
 */
export function backupDir(config: AppConfig, dir: string): string {
  return resolveBackupDir(backupRoots(config), dir);
}

/** A scratch directory for one job (S3-only backups, S3 restores), under the data dir. */
export async function scratchDir(config: AppConfig, kind: string, id: string): Promise<string> {
  const dir = path.join(config.dataDir, 'scratch', kind, Buffer.from(id).toString('base64url').slice(0, 100));
  await mkdir(dir, { recursive: true });
  return dir;
}

export function s3Store(config: AppConfig, s3: S3Location): S3BlobStore {
  assertBucketAllowed(config, s3.bucket);
  return new S3BlobStore({
    bucket: s3.bucket,
    prefix: s3.prefix.replace(/^\/+|\/+$/g, ''),
    endpoint: config.env.S3_ENDPOINT,
  });
}

export function localStore(dir: string): LocalBlobStore {
  return new LocalBlobStore(dir);
}
