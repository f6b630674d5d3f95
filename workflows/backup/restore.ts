import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { RestoreCollection } from '../../activities/backup/restore.js';
import type { BackupLocation } from '../../core/backup.js';
import { restoreStateQuery } from '../defs.js';
import {
  type LangchainRestoreProgress,
  type LangchainRestoreReport,
  langchainReport,
  restoreIntoLangchain,
} from '../langchain/restore.js';
import { rootMessage } from '../failures.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';

const JOB_ACTIVITY = {
  startToCloseTimeout: '4 hours',
  // Pages heartbeat every few seconds; a dead worker is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
} as const;
const act = proxyActivities<activities.Activities>(JOB_ACTIVITY);
/** Imports: a cancel waits until the activity has stopped, so the rows left are counted after. */
const importing = proxyActivities<activities.Activities>({
  ...JOB_ACTIVITY,
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

export interface RestoreInput {
  from: BackupLocation;
  collections?: string[];
  dry_run?: boolean;
  clear_existing?: boolean;
  /** Model id for files that do not name one (the seed's layout). */
  model?: string;
  /** auto: a vecflow backup into vecflow, a LangChain one (vecflow's or the seed's) into LangChain's tables. */
  target?: 'auto' | 'vecflow' | 'langchain';
  /** Into LangChain's tables: leave the backup's extra tables (event_summaries) out. */
  skip_tables?: boolean;
  /** Restore files whose manifest entry has no sha256 (refused otherwise). */
  allow_unverified?: boolean;
  created_at: string;
}

export interface RestoreState {
  id: string;
  status: 'processing' | 'done' | 'failed';
  phase: 'planning' | 'importing' | 'verifying' | 'done';
  dry_run: boolean;
  format: 'vecflow' | 'seed' | 'langchain' | null;
  /** A restore into LangChain's tables: per collection and table, what was there and what was restored. */
  langchain?: LangchainRestoreReport;
  /** Per collection: the manifest's facts, and how far this job got (exact after a failure). */
  collections: (Omit<RestoreCollection, 'files'> & {
    restore: 'pending' | 'cleared' | 'partial' | 'done';
    rows_imported: number;
  })[];
  files: { name: string; rows: number; imported: number | null }[];
  rows_done: number;
  rows_total: number;
  progress: number;
  mismatches: { collection: string; model: string; problem: string }[];
  detail: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Restores a backup (local directory or S3): checks each file's sha256 before importing it,
 * restores blue pointers, then compares every collection's count and digest with the manifest.
 * A dry run reports what would be imported and writes nothing.
 */
export async function restoreWorkflow(input: RestoreInput): Promise<RestoreState> {
  const id = workflowInfo().workflowId;
  const state: RestoreState = {
    id,
    status: 'processing',
    phase: 'planning',
    dry_run: !!input.dry_run,
    format: null,
    collections: [],
    files: [],
    rows_done: 0,
    rows_total: 0,
    progress: 0,
    mismatches: [],
    detail: null,
    created_at: input.created_at,
    updated_at: input.created_at,
  };
  setHandler(restoreStateQuery, () => state);
  labelJob('restore', input.collections?.join(',') || '*', 'processing');
  let scratch: string | null = null;
  try {
    const plan = await act.planRestore({
      id,
      from: input.from,
      collections: input.collections,
      model: input.model,
      ...(input.target ? { target: input.target, skip_tables: input.skip_tables } : {}),
      ...(input.allow_unverified ? { allow_unverified: true } : {}),
    });
    if (plan.scratch) scratch = plan.dir;
    state.format = plan.format;
    if (plan.langchain) {
      state.langchain = langchainReport(plan.langchain);
      state.rows_total = plan.rows;
      await restoreIntoLangchain(
        plan,
        { dry_run: !!input.dry_run, clear_existing: !!input.clear_existing },
        state as RestoreState & LangchainRestoreProgress,
      );
      state.phase = 'done';
      state.status = 'done';
      state.progress = 100;
      setJobStatus('done');
      return state;
    }
    state.collections = plan.collections.map(({ files: _f, ...c }) => ({ ...c, restore: 'pending', rows_imported: 0 }));
    state.files = plan.collections.flatMap((c) => c.files.map((f) => ({ name: f.name, rows: f.rows, imported: null })));
    state.rows_total = plan.rows;
    if (!input.dry_run) {
      await act.checkRestoreFiles({ dir: plan.dir, files: plan.collections.flatMap((c) => c.files) });
      state.phase = 'importing';
      for (const c of plan.collections) {
        const spec = { collection: c.collection, model: c.model, dimension: c.dimension, distance: c.distance };
        const progress = state.collections.find((x) => x.collection === c.collection && x.model === c.model)!;
        await act.prepareRestoreTarget({ spec, clear: !!input.clear_existing });
        progress.restore = input.clear_existing ? 'cleared' : 'partial';
        for (const f of c.files) {
          const n = await importing.restoreFile({ dir: plan.dir, file: f, spec, checked: true });
          state.files.find((x) => x.name === f.name)!.imported = n;
          progress.restore = 'partial';
          progress.rows_imported += n;
          state.rows_done += n;
          state.progress = state.rows_total
            ? Math.min(100, Math.floor((state.rows_done * 100) / state.rows_total))
            : 100;
          state.updated_at = new Date().toISOString();
        }
        if (c.blue || plan.format === 'seed') await act.restoreBlue({ spec, force: c.blue });
        progress.restore = 'done';
      }
      state.phase = 'verifying';
      for (const c of plan.collections.filter((x) => x.count !== null)) {
        const now = await act.measureCollection({
          spec: { collection: c.collection, model: c.model, dimension: c.dimension, distance: c.distance },
        });
        if (now.count !== c.count)
          state.mismatches.push({
            collection: c.collection,
            model: c.model,
            problem: `count ${now.count}, manifest says ${c.count}`,
          });
        if (now.digest !== c.digest)
          state.mismatches.push({
            collection: c.collection,
            model: c.model,
            problem: `content digest ${now.digest}, manifest says ${c.digest}`,
          });
      }
      if (state.mismatches.length) {
        throw ApplicationFailure.nonRetryable(
          `restored data does not match the manifest: ${state.mismatches.map((m) => `${m.collection}/${m.model}: ${m.problem}`).join('; ')}`,
          'RestoreMismatch',
        );
      }
    }
    state.phase = 'done';
    state.status = 'done';
    state.progress = 100;
    setJobStatus('done');
    return state;
  } catch (err) {
    state.status = 'failed';
    state.detail = rootMessage(err) + (await unfinished(state, !!input.clear_existing));
    setJobStatus('failed');
    throw err;
  } finally {
    if (scratch) await CancellationScope.nonCancellable(() => act.removeScratch({ dir: scratch! }));
  }
}

/**
 * What a failed or cancelled restore left behind, exactly: each collection it cleared or partly
 * restored, with the rows it holds now (counted, not estimated) against the backup's.
 */
async function unfinished(state: RestoreState, cleared: boolean): Promise<string> {
  const left = state.collections.filter((c) => c.restore === 'cleared' || c.restore === 'partial');
  if (!left.length || !patched('restore-reports-what-is-left')) return '';
  const each: string[] = [];
  for (const c of left) {
    const spec = { collection: c.collection, model: c.model, dimension: c.dimension, distance: c.distance };
    const now = await CancellationScope.nonCancellable(() => act.measureCollection({ spec })).catch(() => null);
    each.push(
      `${c.collection}/${c.model} ${cleared ? 'was cleared and ' : ''}holds ${now ? now.count : 'an unknown number of'} rows (the backup has ${c.count ?? 'an unrecorded number'})`,
    );
  }
  return ` — left unfinished: ${each.join('; ')}; restore again${cleared ? ' with clear_existing' : ''} to finish`;
}
