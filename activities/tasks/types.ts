import type { StagedRef } from '../../core/staging.js';

// Shapes shared by the Embedding Studio task workflows, activities and API. Workflow-safe.
export type FailureStage = 'on_validation' | 'on_splitting' | 'on_inference' | 'on_upsert' | 'other';

export interface TaskItem {
  object_id: string;
  payload: Record<string, unknown>;
  item_info?: Record<string, unknown> | null;
  vector?: number[];
  /** The vector as staged by the API (core/task-vectors.ts). */
  vector_f32?: string;
}

export interface FailedItem {
  object_id: string;
  payload: unknown;
  item_info: unknown;
  detail: string;
  failure_stage: FailureStage;
}

export interface FailedDeletion {
  object_id: string;
  detail: string;
}

export interface BatchInput {
  taskId: string;
  collection: string;
  ref: StagedRef;
  batch: number;
  /** The task's write timestamp (ns, decimal), fixed when it was accepted. */
  timestamp?: string;
}

export interface BatchResult {
  processed: number;
  failed: number;
}
