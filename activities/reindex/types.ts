import type { IdRange } from '../../core/id-space.js';

// Shapes shared by the reindex workflows, activities and API. Workflow-safe: types only.
export type CopyMode = 'embed' | 'copy';

export interface ReindexFailure {
  object_id: string;
  detail: string;
}

export interface ShardScope {
  collection: string;
  source: string;
  dest: string;
  range: IdRange;
  mode: CopyMode;
  /** Items without text are skipped (reported apart), not failed. */
  skip_unembeddable?: boolean;
}

export interface CopyPagesInput extends ShardScope {
  cursor: string | null;
  pages: number;
  pageSize: number;
}

export interface CopyPagesResult {
  next: string | null;
  copied: number;
  failed: number;
  failures: ReindexFailure[];
  skipped?: number;
  skips?: ReindexFailure[];
}

/** What a shard's reconcile needs besides its scope (times in ns since the epoch, as strings). */
export interface ReconcileTimes {
  /** When the copy began: a point written before it was tried (and counted) by the copy. */
  startedNs: string;
  /**
   * When every write made with write targets read before the destination's registration is in
   * the source (the lease, twice over): the comparison starts after it, and a destination point
   * newer than it is a write racing the comparison, spared. Absent (runs from before it was
   * passed), `startedNs`, which was taken after that wait.
   */
  settledNs?: string;
}

export interface ReconcileResult {
  removed: number;
  recopied: number;
  failed: number;
  failures: ReindexFailure[];
}

export interface GateInput {
  collection: string;
  dest: string;
  sampleSize: number;
  k: number;
}

export interface GateResult {
  sampled: number;
  passed: number;
  ratio: number;
}

/** Failures kept per shard and per task (the counts are always exact). */
export const MAX_FAILURES_KEPT = 100;
