import { CancellationScope, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../../activities/index.js';
import type { PartResult, PlannedCollection } from '../../activities/backup/backup.js';
import {
  type BackupLocation,
  type Manifest,
  type ManifestCollection,
  DEFAULT_BATCH_SIZE,
  FORMAT_VERSION,
  sumDigests,
} from '../../core/backup.js';
import { backupStateQuery } from '../defs.js';
import { type LangchainBackupState, langchainBackup } from '../langchain/backup.js';
import { labelJob, setJobStatus } from '../job-attributes.js';
import { JOB_ACTIVITY_RETRY } from '../retry.js';

const act = proxyActivities<activities.Activities>({
  startToCloseTimeout: '2 hours',
  // Pages heartbeat every few seconds; a dead worker is noticed within this.
  heartbeatTimeout: '30 seconds',
  retry: JOB_ACTIVITY_RETRY,
});

export interface BackupInput {
  location: BackupLocation;
  collections?: string[];
  batch_size?: number;
  created_at: string;
  vecflow_version: string;
  /** What is backed up: vecflow's collections (default), or LangChain's PGVector tables. */
  source?: 'vecflow' | 'langchain';
  /** With source langchain: extra tables, the seed's event-summaries flag, how vectors are written. */
  langchain?: { tables: string[]; include_event_summaries: boolean; vector_format: 'text' | 'float' };
  /** Write into a directory that holds another backup (which is removed first). */
  overwrite?: boolean;
  /** The schedule running it (recorded in the manifest, for that schedule's retention). */
  schedule_id?: string;
}

export interface BackupState {
  id: string;
  status: 'processing' | 'done' | 'failed';
  phase: 'planning' | 'writing' | 'manifest' | 'uploading' | 'done';
  location: BackupLocation;
  collections: PlannedCollection[];
  files: Omit<PartResult, 'digest' | 'next'>[];
  rows_done: number;
  rows_total: number;
  progress: number;
  created_at: string;
  updated_at: string;
}

/**
 * Backs up collections to zstd Parquet (one file per physical collection, or parts of
 * batch_size rows) plus export_manifest.json, written last. Each part is an activity whose
 * result is kept in history: a worker killed mid-backup resumes without rewriting finished parts.
 */
export async function backupWorkflow(input: BackupInput): Promise<BackupState | LangchainBackupState> {
  if (input.source === 'langchain')
    return langchainBackup({
      location: input.location,
      collections: input.collections,
      batch_size: input.batch_size,
      created_at: input.created_at,
      vecflow_version: input.vecflow_version,
      ...(input.overwrite ? { overwrite: true } : {}),
      ...(input.schedule_id ? { schedule_id: input.schedule_id } : {}),
      ...(input.langchain ?? { tables: [], include_event_summaries: false, vector_format: 'text' }),
    });
  const id = workflowInfo().workflowId;
  const batch = input.batch_size ?? DEFAULT_BATCH_SIZE;
  const state: BackupState = {
    id,
    status: 'processing',
    phase: 'planning',
    location: input.location,
    collections: [],
    files: [],
    rows_done: 0,
    rows_total: 0,
    progress: 0,
    created_at: input.created_at,
    updated_at: input.created_at,
  };
  const touch = () => {
    state.progress = state.rows_total ? Math.min(100, Math.floor((state.rows_done * 100) / state.rows_total)) : 0;
    state.updated_at = new Date().toISOString();
  };
  setHandler(backupStateQuery, () => state);
  labelJob('backup', input.collections?.join(',') || '*', 'processing');
  let scratch: string | null = null;
  try {
    state.collections = await act.planBackup({ collections: input.collections });
    state.rows_total = state.collections.reduce((n, c) => n + c.count, 0);
    const dir = await act.backupTarget({
      id,
      dir: input.location.dir,
      ...(input.overwrite ? { overwrite: true } : {}),
    });
    if (!input.location.dir) scratch = dir;
    state.phase = 'writing';
    const digests = new Map<string, string[]>();
    let next = 0;
    const worker = async () => {
      while (next < state.collections.length) {
        const spec = state.collections[next++];
        const { blue: _b, write_target: _w, count, ...physical } = spec;
        const parts: string[] = [];
        let cursor: string | null = null;
        for (let part = 0; ; part++) {
          const single = count <= batch && part === 0;
          const r: PartResult = await act.backupPart({
            dir,
            spec: physical,
            part: single ? null : part,
            cursor,
            limit: single ? null : batch,
          });
          const { digest, next: after, ...file } = r;
          state.files.push(file);
          parts.push(digest);
          state.rows_done += file.rows;
          touch();
          if (input.location.s3) await act.uploadBackupFiles({ dir, names: [file.name], s3: input.location.s3 });
          cursor = after;
          if (single || cursor === null) break;
        }
        digests.set(`${spec.collection}\u0000${spec.model}`, parts);
      }
    };
    await Promise.all([worker(), worker()]);

    state.phase = 'manifest';
    const collections: ManifestCollection[] = state.collections.map((c) => {
      const files = state.files.filter((f) => f.collection === c.collection && f.model === c.model);
      return {
        name: c.collection,
        model: c.model,
        dimension: c.dimension,
        distance: c.distance,
        count: files.reduce((n, f) => n + f.rows, 0),
        blue: c.blue,
        write_target: c.write_target,
        digest: sumDigests(digests.get(`${c.collection}\u0000${c.model}`) ?? []),
      };
    });
    const files = [...state.files].sort((a, b) => (a.name < b.name ? -1 : 1));
    const manifest: Manifest = {
      export_timestamp: new Date().toISOString(),
      format_version: FORMAT_VERSION,
      vecflow_version: input.vecflow_version,
      total_files: files.length,
      files,
      collections,
      total_embeddings: state.rows_done,
      metadata: { total_embeddings: state.rows_done, collections: [...new Set(collections.map((c) => c.name))] },
      ...(input.schedule_id ? { schedule_id: input.schedule_id } : {}),
    };
    await act.writeManifest({ dir, manifest });
    if (input.location.s3) {
      state.phase = 'uploading';
      await act.uploadBackupFiles({ dir, names: ['export_manifest.json'], s3: input.location.s3 });
      if (!input.location.dir) await act.removeScratch({ dir });
    }
    state.phase = 'done';
    state.status = 'done';
    touch();
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
