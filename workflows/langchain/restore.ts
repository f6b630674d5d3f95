import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { LangchainRestorePlan } from '../../activities/langchain/restore-plan.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
});

/** What a restore into LangChain's tables shows while it runs and after. */
export interface LangchainRestoreReport {
  source: LangchainRestorePlan['source'];
  /** The layout of the database's tables (created in the backup's when there were none). */
  layout: string | null;
  collections: {
    name: string;
    rows: number;
    dimension: number | null;
    existing_rows: number | null;
    restored: number;
  }[];
  tables: { name: string; rows: number; restored: number }[];
  /** True once --clear-existing has deleted rows: a failure after that leaves them deleted. */
  cleared: boolean;
  warnings: string[];
}

export interface LangchainRestoreProgress {
  langchain: LangchainRestoreReport;
  rows_done: number;
  rows_total: number;
  progress: number;
  phase: 'planning' | 'importing' | 'verifying' | 'done';
  updated_at: string;
}

/**
 * Restores a LangChain backup (or a vecflow backup moved) into LangChain's tables, run by
 * restoreWorkflow for a plan whose format is `langchain`: dimensions checked before anything is
 * written, every checksum the backup has checked, then (with clear) the restored collections and
 * tables emptied, and each file loaded; `state.langchain` says at each step what has been done.
 */
export async function restoreIntoLangchain(
  plan: { dir: string; langchain?: LangchainRestorePlan },
  options: { dry_run: boolean; clear_existing: boolean },
  state: LangchainRestoreProgress,
): Promise<void> {
  const lc = plan.langchain!;
  const report = state.langchain;
  const checked = await act.checkLangchainTarget({
    collections: lc.collections.map((c) => ({ name: c.name, dimension: c.dimension })),
  });
  report.layout = checked.layout;
  for (const c of report.collections)
    c.existing_rows = checked.existing.find((e) => e.name === c.name)?.rows ?? (checked.layout ? 0 : null);
  if (options.dry_run) return;
  const files = [...lc.collections, ...lc.tables].flatMap((c) => c.files);
  await act.checkRestoreFiles({ dir: plan.dir, files });
  // From here on rows may be deleted: a failure must say so.
  report.cleared = options.clear_existing;
  const target = await act.prepareLangchainTarget({
    dir: plan.dir,
    layout: lc.layout,
    collections: lc.collections.map((c) => ({ name: c.name, uuid: c.uuid, cmetadata: c.cmetadata })),
    tables: lc.tables.map((t) => ({ name: t.name, columns: t.columns, primary_key: t.primary_key, files: t.files })),
    clear: options.clear_existing,
  });
  report.layout = target.layout;
  state.phase = 'importing';
  const count = (n: number) => {
    state.rows_done += n;
    state.progress = state.rows_total ? Math.min(100, Math.floor((state.rows_done * 100) / state.rows_total)) : 100;
    state.updated_at = new Date().toISOString();
  };
  for (const c of lc.collections) {
    const entry = report.collections.find((x) => x.name === c.name)!;
    for (const f of c.files) {
      const n = await act.restoreLangchainFile({
        dir: plan.dir,
        file: f.name,
        target,
        collection: { name: c.name, layout: c.layout },
      });
      entry.restored += n;
      count(n);
    }
  }
  for (const t of lc.tables) {
    const entry = report.tables.find((x) => x.name === t.name)!;
    for (const f of t.files) {
      const n = await act.restoreLangchainFile({ dir: plan.dir, file: f.name, target, table: t.name });
      entry.restored += n;
      count(n);
    }
  }
  const short = report.collections.filter((c) => c.restored !== c.rows);
  if (short.length)
    throw ApplicationFailure.nonRetryable(
      `restored row counts differ from the backup's: ${short.map((c) => `${c.name}: ${c.restored} of ${c.rows}`).join('; ')}`,
      'RestoreMismatch',
    );
}

/** The report before anything ran: what the plan holds. */
export function langchainReport(lc: LangchainRestorePlan): LangchainRestoreReport {
  return {
    source: lc.source,
    layout: null,
    collections: lc.collections.map((c) => ({
      name: c.name,
      rows: c.rows,
      dimension: c.dimension,
      existing_rows: null,
      restored: 0,
    })),
    tables: lc.tables.map((t) => ({ name: t.name, rows: t.rows, restored: 0 })),
    cleared: false,
    warnings: lc.warnings,
  };
}
