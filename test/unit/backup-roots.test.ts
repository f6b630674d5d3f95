import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'vitest';
import { permanentFailure } from '../../activities/permanent.js';
import { apiTarget, callerDir } from '../../cli/api-client.js';
import { exitCodeOf, progressOf } from '../../cli/follow.js';
import { backupRoots, resolveBackupDir } from '../../core/backup-roots.js';
import { loadConfig } from '../../core/config.js';
import { ValidationError } from '../../core/errors.js';

// Backup roots (issue #16): which directories a request may name, how the CLI resolves a
// relative one, and what a finished job's exit code is.
const roots = ['/srv/vecflow/backups', '/home/me/project'];

describe('backup roots', () => {
  it('lists VECFLOW_BACKUP_ROOT first, then VECFLOW_BACKUP_ROOTS; <data dir>/backups by default', () => {
    const dataDir = '/var/lib/vecflow';
    assert.deepEqual(backupRoots(loadConfig({ VECFLOW_DATA_DIR: dataDir }, '/tmp')), ['/var/lib/vecflow/backups']);
    assert.deepEqual(
      backupRoots(loadConfig({ VECFLOW_BACKUP_ROOT: '/a', VECFLOW_BACKUP_ROOTS: '/b, /c,/a' }, '/tmp')),
      ['/a', '/b', '/c'],
    );
    assert.throws(() => loadConfig({ VECFLOW_BACKUP_ROOTS: '/b,relative' }, '/tmp'), /comma-separated absolute paths/);
  });

  it('takes an absolute path inside a root, a relative one under the first, and refuses the rest by name', () => {
    assert.equal(
      resolveBackupDir(roots, '/home/me/project/embedding_backups/20241106'),
      '/home/me/project/embedding_backups/20241106',
    );
    assert.equal(resolveBackupDir(roots, '/srv/vecflow/backups'), '/srv/vecflow/backups');
    assert.equal(resolveBackupDir(roots, './nightly/'), '/srv/vecflow/backups/nightly');
    assert.equal(resolveBackupDir(roots, '.'), '/srv/vecflow/backups');
    assert.equal(resolveBackupDir(roots, '/srv/vecflow/backups/.. x'), '/srv/vecflow/backups/.. x', 'a name, not ..');
    for (const bad of ['/srv/backups/x', '/home/me/project/../other', '/srv/vecflow/backups-evil']) {
      assert.throws(
        () => resolveBackupDir(roots, bad, 'output_dir'),
        (e: ValidationError) =>
          e instanceof ValidationError &&
          e.message.includes('outside every backup root (/srv/vecflow/backups, /home/me/project)') &&
          e.message.includes('VECFLOW_BACKUP_ROOTS'),
      );
    }
    for (const bad of ['../x', 'a/../../b', 'x\u0000'])
      assert.throws(() => resolveBackupDir(roots, bad, 'input_dir'), ValidationError);
  });
});

describe('the CLI', () => {
  it('resolves a relative directory against the caller for a local API, and leaves it to a remote one', () => {
    const local = apiTarget({ PORT: '8123' });
    assert.deepEqual([local.url, local.local], ['http://127.0.0.1:8123', true]);
    assert.equal(callerDir(local, 'embedding_backups/x'), path.resolve('embedding_backups/x'));
    const remote = apiTarget({ VECFLOW_API_URL: 'https://vecflow.example.com/', VECFLOW_API_KEY: 'k' });
    assert.deepEqual([remote.url, remote.local, remote.key], ['https://vecflow.example.com', false, 'k']);
    assert.equal(callerDir(remote, 'embedding_backups/x'), 'embedding_backups/x');
  });

  it('reads progress per kind and maps outcomes to exit codes', () => {
    assert.deepEqual(progressOf({ kind: 'backup', phase: 'writing', rows_done: 5, rows_total: 10 }), {
      phase: 'writing',
      done: 5,
      total: 10,
    });
    assert.deepEqual(progressOf({ kind: 'import', processed_rows: 3, total_rows: 0 }), {
      phase: 'importing',
      done: 3,
      total: 0,
    });
    assert.equal(exitCodeOf({ status: 'done' }), 0);
    assert.equal(exitCodeOf({ status: 'done', failed_rows: 2 }), 4);
    assert.equal(exitCodeOf({ status: 'failed' }), 1);
    assert.equal(exitCodeOf({ status: 'refused' }), 1);
    assert.equal(exitCodeOf({ status: 'canceled' }), 3);
  });

  it('fails at once on errors no retry can fix', () => {
    const creds = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    assert.equal(permanentFailure(new Error('upload failed', { cause: creds }))?.type, 'S3CredentialsError');
    assert.equal(
      permanentFailure(Object.assign(new Error('write'), { code: 'ENOSPC' }))?.message,
      'the disk is full: write',
    );
    assert.equal(permanentFailure(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), null);
  });
});
