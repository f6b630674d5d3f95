// Failures no retry can fix — missing or wrong credentials, a bucket that is not there, access
// denied, a full or read-only disk — end the job at once with a message saying what to fix,
// instead of an activity retrying behind a progress bar that never moves.
const S3_CREDENTIALS = new Set(['CredentialsProviderError', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']);
const S3_ACCESS = new Set(['NoSuchBucket', 'AccessDenied', 'AllAccessDisabled', 'InvalidBucketName']);
const DISK: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** The error and its causes, outermost first. */
function chain(err: unknown): { name?: string; code?: string; message?: string }[] {
  const out = [];
  for (
    let e = err as { name?: string; code?: string; message?: string; cause?: unknown } | undefined, i = 0;
    e && i < 5;
    i++
  ) {
    out.push(e);
    e = e.cause as typeof e;
  }
  return out;
}

/** What to tell the user when `err` is one no retry can fix; null when a retry may help. */
export function permanentFailure(err: unknown): { type: string; message: string } | null {
  for (const e of chain(err)) {
    if (e.name && S3_CREDENTIALS.has(e.name))
      return {
        type: 'S3CredentialsError',
        message: `S3 credentials: ${e.message ?? e.name} — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the worker's environment`,
      };
    if (e.name && S3_ACCESS.has(e.name))
      return {
        type: 'S3AccessError',
        message: `S3 refused: ${e.name}${e.message && e.message !== e.name ? ` — ${e.message}` : ''}`,
      };
    if (e.code && DISK[e.code]) return { type: 'DiskError', message: `${DISK[e.code]}: ${e.message ?? e.code}` };
  }
  return null;
}
