// The task queue and the workflow/schedule ids that more than one place builds (API, CLI, worker,
// activities, workflow code), defined once. Job workflows whose id is a business id (task_id,
// job id) take it as given. Workflow-safe: no Node imports.

/** The task queue the worker polls and jobs start on, unless VECFLOW_TASK_QUEUE names another. */
export const DEFAULT_TASK_QUEUE = 'vecflow';

/**
 * Deployments sharing a Temporal namespace each run on a task queue of their own, with stores of
 * their own: the ids of what belongs to a collection name that only they know (its lock, its
 * provisioning) carry the queue, else two deployments would share them. `/` cannot be in a
 * collection or model name, so no two (collection, model, queue) give the same id. On the default
 * queue the queue is left out (a lock there keeps the id it always had).
 */
const onQueue = (id: string, taskQueue: string) => (taskQueue === DEFAULT_TASK_QUEUE ? id : `${id}/${taskQueue}`);

/** Provisioning of one (collection, model): asking twice joins the same run. */
export const provisionWorkflowId = (collection: string, model: string, taskQueue: string) =>
  onQueue(`provision-${collection}/${model}`, taskQueue);

/**
 * The per-collection reindex lock; at most one reindex holds it. Without a queue: the id before
 * locks were per queue (reindexes started by that version release it).
 */
export const reindexLockWorkflowId = (collection: string, taskQueue = DEFAULT_TASK_QUEUE) =>
  onQueue(`reindex-lock-${collection}`, taskQueue);

/** Shard `shard` of reindex `taskId` (a child workflow). */
export const reindexShardWorkflowId = (taskId: string, shard: number) => `${taskId}/shard-${shard}`;

/** One Vald call: a request, a multi request or a stream chunk (`op` is insert, upsert, …). */
export const valdWorkflowId = (op: string, unique: string) => `vald-${op}-${unique}`;

/** The hourly job-retention schedule of a task queue, and the workflow id its runs take. */
export const cleanupScheduleId = (queue: string) => `vecflow-cleanup-jobs-${queue}`;
export const scheduledCleanupWorkflowId = (queue: string) => `cleanup-jobs-${queue}`;

/** A cleanup run on request (`POST /admin/cleanup-jobs`). */
export const cleanupWorkflowId = (unique: string) => `cleanup-jobs-${unique}`;

/**
 * Ids vecflow gives its own workflows (locks, provisioning, Vald records, schedules' runs, child
 * workflows): never accepted as a caller's job id, so no request can occupy one.
 */
export const RESERVED_ID_PREFIXES = ['provision-', 'reindex-lock-', 'vald-', 'vecflow-', 'cleanup-jobs-', 'scheduled-'];
export function isReservedJobId(id: string): boolean {
  return RESERVED_ID_PREFIXES.some((p) => id.startsWith(p)) || /\/(shard-\d+|backup-\d{8}_\d{6})$/.test(id);
}
export const RESERVED_ID_MESSAGE = `ids starting with ${RESERVED_ID_PREFIXES.join(', ')} (or ending in /shard-N, /backup-<stamp>) are vecflow's own`;

/** The runs of backup schedule `scheduleId`, and the backup child of the run `runWorkflowId`. */
export const scheduledBackupWorkflowId = (scheduleId: string) => `scheduled-${scheduleId}`;
export const scheduledBackupChildId = (runWorkflowId: string, stamp: string) => `${runWorkflowId}/backup-${stamp}`;
