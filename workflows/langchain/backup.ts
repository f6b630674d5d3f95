import { CancellationScope, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { LangchainFileResult, LangchainPlannedCollection } from '../../activities/langchain/backup.js';
import type { BackupLocation } from '../../core/backup.js';
import { type LangchainManifest, seedManifestFields } from '../../core/langchain-backup.js';
import type { LangchainLayout } from '../../stores/langchain/tables.js';
import { backupStateQuery } from '../defs.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 hours',
  // Pages heartbeat every few seconds; a dead worker is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
});

export interface LangchainBackupOptions {
  location: BackupLocation;
  collections?: string[];
  /** Extra tables backed up whole (`--include-event-summaries` is `event_summaries`). */
  tables: string[];
  include_event_summaries: boolean;
  batch_size?: number;
  vector_format: 'text' | 'float';
  created_at: string;
  vecflow_version: string;
  /** Write into a directory that holds another backup (which is removed first). */
  overwrite?: boolean;
  /** The schedule running it (recorded in the manifest, for that schedule's retention). */
  schedule_id?: string;
}

export interface LangchainBackupState {
  id: string;
  source: 'langchain';
  status: 'processing' | 'done' | 'failed';
  phase: 'planning' | 'writing' | 'manifest' | 'uploading' | 'done';
  location: BackupLocation;
  layout: LangchainLayout | null;
  collections: LangchainPlannedCollection[];
  tables: { name: string; rows: number }[];
  files: Omit<LangchainFileResult, 'last'>[];
  rows_done: number;
  rows_total: number;
  progress: number;
  created_at: string;
  updated_at: string;
}

/**
 * A backup of LangChain's PGVector tables in the seed-004 scripts' layout (run by
 * backupWorkflow for `source: "langchain"`): collection files (parts in key order, each an
 * activity whose result history keeps), extra tables, then export_manifest.json, last.
 */
export async function langchainBackup(input: LangchainBackupOptions): Promise<LangchainBackupState> {
  const id = workflowInfo().workflowId;
  const state: LangchainBackupState = {
    id,
    source: 'langchain',
    status: 'processing',
    phase: 'planning',
    location: input.location,
    layout: null,
    collections: [],
    tables: [],
    files: [],
    rows_done: 0,
    rows_total: 0,
    progress: 0,
    created_at: input.created_at,
    updated_at: input.created_at,
  };
  setHandler(backupStateQuery, () => state);
  labelJob('backup', input.collections?.join(',') || '*', 'processing');
  const done = (r: LangchainFileResult) => {
    const { last: _last, ...file } = r;
    state.files.push(file);
    state.rows_done += r.rows;
    state.progress = state.rows_total ? Math.min(100, Math.floor((state.rows_done * 100) / state.rows_total)) : 0;
    state.updated_at = new Date().toISOString();
  };
  let scratch: string | null = null;
  try {
    const plan = await act.planLangchainBackup({
      collections: input.collections,
      tables: input.tables,
      batch_size: input.batch_size,
    });
    state.layout = plan.layout;
    state.collections = plan.collections;
    state.tables = plan.tables.map((t) => ({ name: t.name, rows: t.rows }));
    state.rows_total = [...plan.collections, ...plan.tables].reduce((n, c) => n + c.rows, 0);
    const dir = await act.backupTarget({
      id,
      dir: input.location.dir,
      ...(input.overwrite ? { overwrite: true } : {}),
    });
    if (!input.location.dir) scratch = dir;
    state.phase = 'writing';
    const upload = async (name: string) => {
      if (input.location.s3) await act.uploadBackupFiles({ dir, names: [name], s3: input.location.s3 });
    };
    const queue = [...plan.collections];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const parts = plan.files.filter((f) => f.kind === 'collection' && f.name === c!.name);
        let after: string | null = null;
        for (const [i, part] of parts.entries()) {
          const r: LangchainFileResult = await act.backupLangchainPart({
            dir,
            layout: plan.layout,
            collection: { name: c.name, uuid: c.uuid },
            file: part.file,
            after,
            limit: i === parts.length - 1 ? null : (input.batch_size ?? null),
            vector_format: input.vector_format,
          });
          done(r);
          after = r.last;
          await upload(r.name);
        }
      }
    };
    await Promise.all([worker(), worker()]);
    for (const t of plan.tables) {
      const file = plan.files.find((f) => f.kind === 'table' && f.name === t.name)!.file;
      const r = await act.backupLangchainTable({ dir, table: t.name, file });
      done(r);
      await upload(r.name);
    }

    state.phase = 'manifest';
    const rowsOf = (files: string[]) =>
      state.files.filter((f) => files.includes(f.name)).reduce((n, f) => n + f.rows, 0);
    const filesOf = (kind: 'collection' | 'table', name: string) =>
      plan.files.filter((f) => f.kind === kind && f.name === name).map((f) => f.file);
    const counted = plan.collections.map((c) => ({ ...c, files: filesOf('collection', c.name) }));
    const manifest: LangchainManifest = {
      ...seedManifestFields(
        new Date(),
        plan.files,
        counted.map((c) => ({ name: c.name, rows: rowsOf(c.files) })),
        input.include_event_summaries,
      ),
      ...(input.schedule_id ? { schedule_id: input.schedule_id } : {}),
      vecflow: {
        format_version: 1,
        source: 'langchain',
        layout: plan.layout,
        vector_format: input.vector_format,
        vecflow_version: input.vecflow_version,
        collections: counted.map((c) => ({
          name: c.name,
          uuid: c.uuid,
          cmetadata: c.cmetadata,
          dimension: c.dimension,
          rows: rowsOf(c.files),
          files: c.files,
        })),
        tables: plan.tables.map((t) => {
          const files = filesOf('table', t.name);
          return { name: t.name, rows: rowsOf(files), files, columns: t.columns, primary_key: t.primary_key };
        }),
        files: plan.files.map((f) => {
          const { name, rows, bytes, sha256 } = state.files.find((x) => x.name === f.file)!;
          return { name, rows, bytes, sha256 };
        }),
      },
    };
    await act.writeManifest({ dir, manifest });
    if (input.location.s3) {
      state.phase = 'uploading';
      await upload('export_manifest.json');
      if (!input.location.dir) await act.removeScratch({ dir });
    }
    state.phase = 'done';
    state.status = 'done';
    state.progress = 100;
    setJobStatus('done');
    return state;
  } catch (err) {
    // An S3-only backup's local copy is scratch: it goes with the failed job too.
    if (scratch && patched('remove-failed-scratch'))
      await CancellationScope.nonCancellable(() => act.removeScratch({ dir: scratch! })).catch(() => undefined);
    state.status = 'failed';
    setJobStatus('failed');
    throw err;
  }
}
