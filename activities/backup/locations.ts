import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LocalBlobStore } from '../../blobs/local.js';
import { assertKey } from '../../blobs/keys.js';
import { S3BlobStore } from '../../blobs/s3.js';
import { type AppConfig, assertBucketAllowed } from '../../core/config.js';
import type { S3Location } from '../../core/backup.js';

// Where backup files live on disk: every directory named in a request is taken relative to the
// backup root and may not leave it.
export function backupRoot(config: AppConfig): string {
  return path.resolve(config.env.VECFLOW_BACKUP_ROOT ?? path.join(config.dataDir, 'backups'));
}

export function backupDir(config: AppConfig, relative: string): string {
  const rel = relative.replace(/^\.\/+/, '').replace(/\/+$/, ''); // as isSafeDir reads it
  return rel === '' || rel === '.'
    ? backupRoot(config)
    : path.join(backupRoot(config), ...assertKey(rel, 'dir').split('/'));
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
