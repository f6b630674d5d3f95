// Reindex names and defaults shared by workflows, activities and the API. Workflow-safe.

/**
 * The write-target lease: writers may use a collection's write targets read at most this long
 * ago (activities/write-path.ts). Twice this long after a reindex registers its destination,
 * every write made with older targets is in the source: the shards' reconcile starts after that.
 */
export const WRITE_TARGETS_TTL_MS = 500;
export const WRITE_TARGET_GRACE_MS = 2 * WRITE_TARGETS_TTL_MS;

export interface FailureThreshold {
  /** The task fails when more items than this fail… */
  count?: number;
  /** …or when more than this fraction of the source fails. */
  fraction?: number;
}

export interface QualityGate {
  sample_size: number;
  k: number;
  min_pass_ratio: number;
}

export const REINDEX_DEFAULTS = {
  max_parallel: 4,
  page_size: 200,
  /** Default shard count: one shard per this many source points, between 1 and 64. */
  points_per_shard: 2500,
  failure_threshold: { fraction: 0.01 } as FailureThreshold,
  quality_gate: { sample_size: 50, k: 10, min_pass_ratio: 0.9 } as QualityGate,
};

export function defaultShardCount(total: number): number {
  return Math.min(64, Math.max(1, Math.ceil(total / REINDEX_DEFAULTS.points_per_shard)));
}
