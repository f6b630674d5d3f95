import type { CopyMode, GateResult, ReindexFailure } from '../../activities/reindex/types.js';
import type { FailureThreshold, QualityGate } from '../../core/reindex.js';

// The reindex request and the state it answers the `state` query with. Workflow-safe.
export interface ReindexInput {
  collection: string;
  source: { embedding_model_id: string };
  dest: { embedding_model_id: string };
  deploy_as_blue: boolean;
  wait_on_conflict: boolean;
  created_at: string;
  /** Items without text to embed are skipped and listed instead of refusing the reindex. */
  skip_unembeddable?: boolean;
  shards?: number;
  max_parallel?: number;
  page_size?: number;
  failure_threshold?: FailureThreshold;
  quality_gate?: QualityGate;
}

export interface ReindexState {
  task_id: string;
  collection: string;
  source: { embedding_model_id: string };
  dest: { embedding_model_id: string };
  deploy_as_blue: boolean;
  wait_on_conflict: boolean;
  status: 'pending' | 'processing' | 'done' | 'failed' | 'canceled' | 'refused';
  phase: 'waiting' | 'preparing' | 'copying' | 'quality-gate' | 'switching' | 'done';
  mode: CopyMode | null;
  children: string[];
  failed_items: ReindexFailure[];
  failed_count: number;
  /** With skip_unembeddable: items left out for having no text to embed (not failures). */
  skipped_count: number;
  skipped_items: ReindexFailure[];
  count: number;
  /** The source's size when copying began; once every shard is done, the items they went through. */
  total: number;
  progress: number;
  removed: number;
  recopied: number;
  gate: GateResult | null;
  switched: boolean;
  detail: string | null;
  created_at: string;
  updated_at: string;
}

export function newReindexState(input: ReindexInput, taskId: string): ReindexState {
  return {
    task_id: taskId,
    collection: input.collection,
    source: input.source,
    dest: input.dest,
    deploy_as_blue: input.deploy_as_blue,
    wait_on_conflict: input.wait_on_conflict,
    status: 'pending',
    phase: 'waiting',
    mode: null,
    children: [],
    failed_items: [],
    failed_count: 0,
    skipped_count: 0,
    skipped_items: [],
    count: 0,
    total: 0,
    progress: 0,
    removed: 0,
    recopied: 0,
    gate: null,
    switched: false,
    detail: null,
    created_at: input.created_at,
    updated_at: input.created_at,
  };
}
