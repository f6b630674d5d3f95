// Every workflow the vecflow worker runs. Bundled for the workflow sandbox: no Node-only imports.
export { provisionCollectionWorkflow } from './provision-collection.js';
export { upsertionTaskWorkflow } from './upsertion-task.js';
export { deletionTaskWorkflow } from './deletion-task.js';
export {
  valdWriteWorkflow,
  valdRemoveByTimestampWorkflow,
  valdUpdateTimestampWorkflow,
  valdFlushWorkflow,
  valdWriteRecordWorkflow,
} from './vald-write.js';
export { reindexWorkflow } from './reindex/reindex.js';
export { reindexShardWorkflow } from './reindex/shard.js';
export { reindexLockWorkflow } from './reindex/lock.js';
export { backupWorkflow } from './backup/backup.js';
export { restoreWorkflow } from './backup/restore.js';
export { verifyBackupWorkflow } from './backup/verify.js';
export { scheduledBackupWorkflow } from './backup/scheduled.js';
export { importWorkflow } from './datasets/import.js';
export { exportWorkflow } from './datasets/export.js';
export { cleanupJobsWorkflow } from './datasets/cleanup.js';
