import { defineQuery, defineSignal } from '@temporalio/workflow';

// Signals, queries and updates of every vecflow workflow, in one place.

/** Every job workflow answers this query with its current public state. */
export const stateQuery = defineQuery<unknown>('state');

// The per-collection reindex lock (reindexLockWorkflow) and its clients (reindexWorkflow).
export const acquireLockSignal = defineSignal<[{ taskId: string; wait: boolean }]>('acquire');
export const releaseLockSignal = defineSignal<[{ taskId: string }]>('release');
export const lockGrantedSignal = defineSignal<[]>('lockGranted');
export const lockRefusedSignal = defineSignal<[{ holder: string }]>('lockRefused');

/** A reindex shard reports its progress to the parent reindex. */
export const shardProgressSignal = defineSignal<[{ shard: number; copied: number; failed: number }]>('shardProgress');
