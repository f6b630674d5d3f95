import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { type BackupLocation, type Manifest, MANIFEST, parseBackupFileName } from '../../core/backup.js';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.js';
import { nameOfStem } from '../../core/langchain-backup.js';
import type { Distance, PhysicalSpec, Point } from '../../core/types.js';
import { digestPoints } from '../../datafiles/parquet-stream.js';
import { parquetInfo, readParquet, sha256File } from '../../datafiles/parquet.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { type LangchainRestorePlan, backupKind, planLangchainRestore } from '../langchain/restore-plan.js';
import { backupDir, s3Store, scratchDir } from './locations.js';
import { parseManifest } from './manifest.js';
import { isName } from '../../core/names.js';

/** Rows per write: as the store's raw bulk-insert baseline writes them. */
const RESTORE_BATCH = 2000;

export interface RestoreFile {
  name: string;
  rows: number;
  sha256: string | null;
}

export interface RestoreCollection extends PhysicalSpec {
  files: RestoreFile[];
  rows: number;
  blue: boolean;
  /** From the manifest; null for the seed layout, which has none. */
  count: number | null;
  digest: string | null;
}

export interface RestorePlan {
  dir: string;
  /** vecflow's own backup; the seed's (or vecflow's LangChain) files into vecflow; anything into LangChain's tables. */
  format: 'vecflow' | 'seed' | 'langchain';
  collections: RestoreCollection[];
  files: number;
  rows: number;
}

/** Where the files of a backup are on disk: its directory, or S3 downloaded into scratch. */
async function localCopy(
  ctx: ActivityContext,
  id: string,
  from: BackupLocation,
): Promise<{ dir: string; scratch: boolean }> {
  if (from.dir) {
    const dir = backupDir(ctx.config, from.dir);
    if (!(await stat(dir).catch(() => null))?.isDirectory())
      throw new NotFoundError(`no backup directory ${from.dir} under the backup root`);
    return { dir, scratch: false };
  }
  if (!from.s3) throw new ValidationError('give an input directory or an S3 bucket and prefix');
  const dir = await scratchDir(ctx.config, 'restore', id);
  const store = s3Store(ctx.config, from.s3);
  const blobs = (await store.list('')).filter(
    (b) => !b.key.includes('/') && (b.key.endsWith('.parquet') || b.key.endsWith('.json')),
  );
  if (blobs.length === 0) throw new NotFoundError(`nothing to restore in s3://${from.s3.bucket}/${from.s3.prefix}`);
  // Heartbeats go on while a file is in flight.
  for (const b of blobs) await keepAlive(() => store.get(b.key, path.join(dir, b.key)));
  return { dir, scratch: true };
}

async function readManifest(dir: string): Promise<Record<string, unknown> | null> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as unknown;
    if (typeof m !== 'object' || m === null || Array.isArray(m))
      throw new ValidationError(`${MANIFEST} is not a JSON object`);
    return m as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ValidationError(`${MANIFEST} is not valid JSON: ${(err as Error).message}`);
  }
}

function fromManifest(dir: string, m: Manifest): RestorePlan {
  const collections = m.collections.map((c): RestoreCollection => {
    const files = m.files
      .filter((f) => f.collection === c.name && f.model === c.model)
      .sort((a, b) => (a.part ?? 0) - (b.part ?? 0));
    return {
      collection: c.name,
      model: c.model,
      dimension: c.dimension,
      distance: c.distance,
      blue: c.blue,
      count: c.count,
      digest: c.digest,
      rows: files.reduce((n, f) => n + f.rows, 0),
      files: files.map((f) => ({ name: f.name, rows: f.rows, sha256: f.sha256 || null })),
    };
  });
  return { dir, format: 'vecflow', collections, files: m.files.length, rows: m.total_embeddings };
}

/** The seed's layout: `<collection>.parquet` / `_partNNNN`, text vectors; the model is chosen by dimension. */
async function fromDirectory(ctx: ActivityContext, dir: string, model: string | undefined): Promise<RestorePlan> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.parquet')).sort();
  const groups = new Map<string, RestoreCollection>();
  for (const name of names) {
    const parsed = parseBackupFileName(name);
    if (!parsed) continue;
    const info = await parquetInfo(path.join(dir, name));
    // Extra tables of a LangChain backup (event_summaries) have no vectors: not a collection.
    const lc =
      info.columns.includes('embedding') && (info.columns.includes('cmetadata') || info.columns.includes('document'));
    if (!lc && !info.columns.includes('vector')) continue;
    if (!parsed.model) parsed.collection = nameOfStem(parsed.collection);
    const rows = readParquet(path.join(dir, name), { batchSize: 1 });
    const first = await rows.next();
    await rows.return(undefined);
    const dimension = Number(info.metadata.vecflow_dimension ?? first.value?.[0]?.vector.length ?? 0);
    const chosen =
      parsed.model ??
      info.metadata.vecflow_model ??
      model ??
      ctx.config.models.find((m) => m.dimension === dimension)?.id ??
      `external-${dimension}`;
    if (model !== undefined && chosen === model) {
      const configured = ctx.config.models.find((m) => m.id === model);
      if (!configured) throw new ValidationError(`no model ${JSON.stringify(model)} is configured`, { field: 'model' });
      if (configured.dimension !== dimension)
        throw new ValidationError(
          `model ${model} has ${configured.dimension} dimensions, the vectors of ${parsed.collection} have ${dimension}`,
          { field: 'model' },
        );
    }
    // Names from file names and Parquet metadata become collections (and later file names).
    for (const [kind, value] of [
      ['collection', parsed.collection],
      ['model', chosen],
    ] as const)
      if (!isName(value))
        throw new ValidationError(
          `${name}: ${JSON.stringify(value)} is not a valid ${kind} name for vecflow (1-63 of A-Z a-z 0-9 _ . -, no "__"); restore it into LangChain's tables (target langchain) or rename the file`,
          { field: kind },
        );
    const key = `${parsed.collection}\u0000${chosen}`;
    const entry = groups.get(key) ?? {
      collection: parsed.collection,
      model: chosen,
      dimension,
      distance: (info.metadata.vecflow_distance as Distance) ?? 'cosine',
      blue: false,
      count: null,
      digest: null,
      rows: 0,
      files: [],
    };
    entry.files.push({ name, rows: info.rows, sha256: null });
    entry.rows += info.rows;
    groups.set(key, entry);
  }
  const collections = [...groups.values()];
  return { dir, format: 'seed', collections, files: names.length, rows: collections.reduce((n, c) => n + c.rows, 0) };
}

export function restoreActivities(ctx: ActivityContext) {
  return {
    /** Finds (or downloads) the backup and works out what it holds, selected by collection. */
    async planRestore(input: {
      id: string;
      from: BackupLocation;
      collections?: string[];
      model?: string;
      /** auto: a vecflow backup into vecflow, a LangChain one (vecflow's or the seed's) into LangChain's tables. */
      target?: 'auto' | 'vecflow' | 'langchain';
      skip_tables?: boolean;
      /** Restore files whose manifest entry has no sha256 (checked otherwise; refused when missing). */
      allow_unverified?: boolean;
    }): Promise<RestorePlan & { scratch: boolean; langchain?: LangchainRestorePlan }> {
      const { dir, scratch } = await localCopy(ctx, input.id, input.from);
      const manifest = await readManifest(dir);
      const kind = backupKind(manifest);
      const target = input.target ?? 'auto';
      if (target === 'langchain' || (target === 'auto' && kind !== 'vecflow')) {
        const langchain = await planLangchainRestore(dir, manifest, input);
        const sources = [...langchain.collections, ...langchain.tables];
        return {
          dir,
          format: 'langchain',
          collections: [],
          files: sources.reduce((n, c) => n + c.files.length, 0),
          rows: sources.reduce((n, c) => n + c.rows, 0),
          scratch,
          langchain,
        };
      }
      const plan =
        kind === 'vecflow'
          ? fromManifest(dir, parseManifest(manifest, input.allow_unverified))
          : await fromDirectory(ctx, dir, input.model);
      if (plan.collections.length === 0)
        throw new NotFoundError(
          `no backup files in ${input.from.dir ?? `s3://${input.from.s3?.bucket}/${input.from.s3?.prefix}`}`,
        );
      const wanted = input.collections?.length
        ? plan.collections.filter((c) => input.collections!.includes(c.collection))
        : plan.collections;
      for (const name of input.collections ?? [])
        if (!wanted.some((c) => c.collection === name)) throw new NotFoundError(`the backup has no collection ${name}`);
      return {
        ...plan,
        collections: wanted,
        files: wanted.reduce((n, c) => n + c.files.length, 0),
        rows: wanted.reduce((n, c) => n + c.rows, 0),
        scratch,
      };
    },

    /** Checks every file's sha256 against the manifest before anything is written. */
    async checkRestoreFiles(input: { dir: string; files: RestoreFile[] }): Promise<void> {
      const bad: string[] = [];
      for (const f of input.files.filter((x) => x.sha256)) {
        const sha = await sha256File(path.join(input.dir, f.name)).catch(() => 'missing');
        if (sha !== f.sha256)
          bad.push(sha === 'missing' ? `${f.name}: missing` : `${f.name}: sha256 does not match the manifest`);
        Context.current().heartbeat(f.name);
      }
      if (bad.length)
        throw new ValidationError(`backup files failed their checksum, nothing was restored: ${bad.join('; ')}`);
    },

    /**
     * Creates the target (after dropping it, with clear_existing). A dropped collection that was
     * blue is blue again at once (empty, then refilled): the collection never loses its blue,
     * and a failure midway leaves it pointing at the partly restored data the job reports.
     */
    async prepareRestoreTarget(input: { spec: PhysicalSpec; clear: boolean }): Promise<{ cleared: boolean }> {
      let wasBlue = false;
      if (input.clear) {
        wasBlue = (await ctx.store.getBlue(input.spec.collection)) === input.spec.model;
        await ctx.store
          .dropCollection(input.spec)
          .catch((err) => (err instanceof NotFoundError ? undefined : Promise.reject(err)));
      }
      try {
        await ctx.store.ensureCollection(input.spec);
      } catch (err) {
        if (err instanceof ConflictError)
          throw new ConflictError(`${err.message}; restore with clear_existing to replace it`);
        throw err;
      }
      if (wasBlue) await ctx.store.setBlue(input.spec);
      return { cleared: input.clear };
    },

    /**
     * Imports one file. Heartbeats the row offset, so a retry after a crash continues where it
     * stopped (writes overwrite, so a repeated batch is harmless). The workflow checked every
     * file's sha256 just before (`checked`); a resumed attempt checks its file again, as the
     * file may have been replaced meanwhile. The next batch is read (on DuckDB's threads) while
     * the store writes the last one.
     */
    async restoreFile(input: {
      dir: string;
      file: RestoreFile;
      spec: PhysicalSpec;
      checked?: boolean;
    }): Promise<number> {
      const activity = Context.current();
      const file = path.join(input.dir, input.file.name);
      const resumed = activity.info.attempt > 1 || activity.info.heartbeatDetails !== undefined;
      if (input.file.sha256 && (!input.checked || resumed) && (await sha256File(file)) !== input.file.sha256) {
        throw new ValidationError(
          `${input.file.name}: sha256 does not match the manifest (corrupted or replaced file)`,
        );
      }
      let done = (activity.info.heartbeatDetails as number | undefined) ?? 0;
      const batches = readParquet(file, { offset: done, batchSize: RESTORE_BATCH });
      try {
        for (let next = batches.next(); ;) {
          const { value: batch, done: end } = await next;
          if (end) break;
          // A cancelled restore stops between batches, so what it reports having left is final.
          if (activity.cancellationSignal.aborted) await activity.cancelled;
          next = batches.next();
          next.catch(() => undefined); // awaited next turn; not unhandled if the write fails first
          await ctx.store.upsert(input.spec, batch, 'overwrite');
          done += batch.length;
          activity.heartbeat(done);
        }
      } finally {
        await batches.return(undefined);
      }
      return done;
    },

    /** Restores a blue pointer: the manifest's, or (seed layout) this model when the collection has none. */
    async restoreBlue(input: { spec: PhysicalSpec; force: boolean }): Promise<void> {
      if (input.force || (await ctx.store.getBlue(input.spec.collection)) === null) await ctx.store.setBlue(input.spec);
    },

    /** Count and content digest of a physical collection as stored now. */
    async measureCollection(input: { spec: PhysicalSpec }): Promise<{ count: number; digest: string }> {
      const activity = Context.current();
      async function* pages(): AsyncGenerator<Point[]> {
        let count = 0;
        let cursor: string | null = null;
        do {
          const page = await ctx.store.scan(input.spec, { cursor, limit: 2000, withVectors: true });
          count += page.points.length;
          cursor = page.next;
          activity.heartbeat(count);
          yield page.points;
        } while (cursor);
      }
      // Digested on another thread while this one scans.
      const { rows, digest } = await digestPoints(pages());
      return { count: rows, digest };
    },
  };
}
