import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VerifyReport } from '../activities/backup/verify.js';
import type { IdRange } from '../core/id-space.js';
import type { ValdOp } from '../core/vald.js';
import type { BackupState } from './backup/backup.js';
import type { LangchainBackupState } from './langchain/backup.js';
import type { RestoreState } from './backup/restore.js';
import type { ExportState } from './datasets/export.js';
import type { ImportState } from './datasets/import.js';
import type { ProvisionCollectionInput } from './provision-collection.js';
import type { ReindexState } from './reindex/state.js';
import type { ShardResult } from './reindex/shard.js';
import type { TaskState } from './task-loop.js';

// Signals, queries and updates of every vecflow workflow, in one place.

// Every job workflow answers the query `state` (what `temporal workflow query --type state`
// asks) with its current public state; one typed definition per workflow family.
export const taskStateQuery = defineQuery<TaskState>('state');
export const reindexStateQuery = defineQuery<ReindexState>('state');
export const backupStateQuery = defineQuery<BackupState | LangchainBackupState>('state');
export const restoreStateQuery = defineQuery<RestoreState>('state');
export const verifyStateQuery = defineQuery<VerifyState>('state');
export const scheduledBackupStateQuery = defineQuery<ScheduledBackupState>('state');
export const importStateQuery = defineQuery<ImportState>('state');
export const exportStateQuery = defineQuery<ExportState>('state');
export const provisionStateQuery = defineQuery<ProvisionState>('state');
export const valdWriteStateQuery = defineQuery<ValdWriteState>('state');
export const valdRecordStateQuery = defineQuery<ValdRecordState>('state');
export const shardStateQuery = defineQuery<ShardState>('state');
export const lockStateQuery = defineQuery<LockState>('state');
/** Any job's state, for what shows every kind alike (`vecflow status <id>`). */
export const anyJobStateQuery = defineQuery<Record<string, unknown>>('state');

export type ProvisionState = ProvisionCollectionInput & { status: 'processing' | 'done' };
export interface ValdWriteState {
  status: 'processing' | 'done';
  op: ValdOp;
  collection: string;
  /** How many requests the call carries. */
  requests: number | undefined;
}
export interface ValdRecordState {
  status: 'done';
  collections: string[];
  requests: number;
  /** How many writes were answered with each result (OK, ALREADY_EXISTS, …). */
  results: Record<string, number>;
}
export interface VerifyState {
  status: 'processing' | 'done' | 'failed';
  report: VerifyReport | null;
  created_at: string;
}
export interface ScheduledBackupState {
  /** The run's backup directory name (YYYYMMDD_HHMMSS). */
  stamp: string;
  status: 'processing' | 'done';
  /** Backups the retention policy removed. */
  deleted: string[];
}
export type ShardState = Pick<ShardResult, 'shard' | 'copied' | 'failed' | 'failures'> & {
  range: IdRange;
  cursor: string | null;
  phase: 'copying' | 'reconciling' | 'done';
};
export interface LockState {
  collection: string;
  holder: string | null;
  queue: string[];
}

// The per-collection reindex lock (reindexLockWorkflow) and its clients (reindexWorkflow).
export const acquireLockSignal = defineSignal<[{ taskId: string; wait: boolean }]>('acquire');
export const releaseLockSignal = defineSignal<[{ taskId: string }]>('release');
export const lockGrantedSignal = defineSignal<[]>('lockGranted');
export const lockRefusedSignal = defineSignal<[{ holder: string }]>('lockRefused');

/** A reindex shard reports its progress to the parent reindex. */
export const shardProgressSignal = defineSignal<[{ shard: number; copied: number; failed: number }]>('shardProgress');
