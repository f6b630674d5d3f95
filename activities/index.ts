import { collectionActivities } from './collections.js';
import { type ActivityContext, classified } from './context.js';
import { deletionActivities } from './tasks/deletion.js';
import { upsertionActivities } from './tasks/upsertion.js';
import { valdActivities } from './vald.js';
import { reindexActivities } from './reindex/index.js';
import { backupActivities } from './backup/backup.js';
import { restoreActivities } from './backup/restore.js';
import { verifyActivities } from './backup/verify.js';
import { langchainBackupActivities } from './langchain/backup.js';
import { langchainRestoreActivities } from './langchain/restore.js';
import { cleanupActivities } from './datasets/cleanup.js';
import { exportActivities } from './datasets/export.js';
import { importChunkActivities } from './datasets/import-chunk.js';
import { jobActivities } from './datasets/jobs.js';
import { prepareImportActivities } from './datasets/prepare-import.js';

export type { ActivityContext } from './context.js';

/** Every activity of the worker, bound to its context. */
export function createActivities(ctx: ActivityContext) {
  return classified({
    ...collectionActivities(ctx),
    ...upsertionActivities(ctx),
    ...deletionActivities(ctx),
    ...valdActivities(ctx),
    ...reindexActivities(ctx),
    ...backupActivities(ctx),
    ...restoreActivities(ctx),
    ...verifyActivities(ctx),
    ...langchainBackupActivities(ctx),
    ...langchainRestoreActivities(ctx),
    ...prepareImportActivities(ctx),
    ...importChunkActivities(ctx),
    ...exportActivities(ctx),
    ...jobActivities(ctx),
    ...cleanupActivities(ctx),
  });
}

export type Activities = ReturnType<typeof createActivities>;
