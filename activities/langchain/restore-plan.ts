import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestCollection, ManifestFile } from '../../core/backup.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { type LangchainManifest, type TableColumn, nameOfStem } from '../../core/langchain-backup.js';
import { vectorDimension } from '../../datafiles/langchain-parquet.js';
import { parquetInfo } from '../../datafiles/parquet.js';
import type { LangchainLayout } from '../../stores/langchain/tables.js';
import { BACKUP_FILE } from '../backup/manifest.js';

// What a restore into LangChain's tables will read: a LangChain backup written by vecflow (its
// manifest's `vecflow` part), a directory written by the seed-004 scripts (their manifest, or
// none: the files say what they are), or a vecflow backup moved into LangChain tables.
export type FileLayout = LangchainLayout | 'vecflow';

export interface LangchainRestoreFile {
  name: string;
  rows: number;
  /** Null when the backup has no checksum for it (the seed's manifests have none). */
  sha256: string | null;
}

export interface LangchainRestoreCollection {
  name: string;
  uuid: string | null;
  cmetadata: string | null;
  dimension: number | null;
  rows: number;
  layout: FileLayout;
  files: LangchainRestoreFile[];
}

export interface LangchainRestoreTable {
  name: string;
  rows: number;
  files: LangchainRestoreFile[];
  /** From vecflow's manifest; null for the seed's files (the Parquet types are used). */
  columns: TableColumn[] | null;
  primary_key: string[];
}

export interface LangchainRestorePlan {
  source: 'langchain' | 'seed' | 'vecflow';
  /** The layout new tables get when the database has none (a vecflow backup's: langchain-postgres). */
  layout: LangchainLayout;
  collections: LangchainRestoreCollection[];
  tables: LangchainRestoreTable[];
  warnings: string[];
}

/** A file name from a manifest, used on disk only when it is a plain name inside the backup. */
function safeFile(name: unknown): string {
  if (typeof name !== 'string' || !BACKUP_FILE.test(name))
    throw new ValidationError(
      `the manifest names a file that is not a plain Parquet file name: ${JSON.stringify(name)}`,
    );
  return name;
}

/** The kind of backup a directory holds, from its manifest (raw JSON, or null) and its file names. */
export function backupKind(manifest: Record<string, unknown> | null): 'vecflow' | 'langchain' | 'seed' {
  if ((manifest?.vecflow as { source?: string } | undefined)?.source === 'langchain') return 'langchain';
  if (manifest?.format_version !== undefined) return 'vecflow';
  return 'seed';
}

function fromLangchainManifest(m: LangchainManifest): LangchainRestorePlan {
  const v = m.vecflow!;
  const byName = new Map(v.files.map((f) => [safeFile(f.name), f]));
  const files = (names: string[]) =>
    names.map((n) => {
      const f = byName.get(safeFile(n));
      if (!f) throw new ValidationError(`the manifest lists ${n} without its checksum`);
      return { name: f.name, rows: f.rows, sha256: f.sha256 || null };
    });
  return {
    source: 'langchain',
    layout: v.layout,
    collections: v.collections.map((c) => ({ ...c, layout: v.layout, files: files(c.files) })),
    tables: v.tables.map((t) => ({ ...t, files: files(t.files) })),
    warnings: [],
  };
}

/** The seed's directory: collection files have an `embedding` column, any other file is a table. */
async function fromSeedDirectory(dir: string, manifest: Record<string, unknown> | null): Promise<LangchainRestorePlan> {
  const named = (manifest?.metadata as { collections?: unknown } | undefined)?.collections;
  if (named !== undefined && (!Array.isArray(named) || named.some((c) => typeof c !== 'string')))
    throw new ValidationError('export_manifest.json: metadata.collections is not a list of names');
  const listed = named as string[] | undefined;
  const hasManifest = manifest !== null;
  const names = (await readdir(dir)).filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).sort();
  const collections = new Map<string, LangchainRestoreCollection>();
  const tables: LangchainRestoreTable[] = [];
  let layout: LangchainLayout = 'langchain-postgres';
  for (const name of names) {
    const file = path.join(dir, name);
    const { rows, columns } = await parquetInfo(file).catch((err: Error) => {
      throw new ValidationError(
        `${name}: not a readable Parquet file (${err.message.split('\n')[0]}); nothing was restored`,
      );
    });
    const entry = { name, rows, sha256: null };
    const stem = /^(.+?)(?:_part\d{4,})?\.parquet$/.exec(name)![1];
    // The seed's manifest lists its collections; without one, a collection file is told by
    // LangChain's columns (event_summaries may hold embeddings too, but no document/cmetadata).
    const isCollection = listed
      ? listed.includes(nameOfStem(/^(.+?)(?:_part\d{4,})?\.parquet$/.exec(name)![1]))
      : columns.includes('embedding') && (columns.includes('cmetadata') || columns.includes('document'));
    if (!isCollection) {
      tables.push({
        name: nameOfStem(name.slice(0, -'.parquet'.length)),
        rows,
        files: [entry],
        columns: null,
        primary_key: [],
      });
      continue;
    }
    const fileLayout: LangchainLayout = columns.includes('id') ? 'langchain-postgres' : 'langchain-community';
    if (!columns.includes('embedding') || (!columns.includes('id') && !columns.includes('uuid')))
      throw new ValidationError(`${name}: listed as a collection but without embedding and id (or uuid) columns`);
    if (fileLayout === 'langchain-community') layout = fileLayout;
    const collection = nameOfStem(stem);
    const c = collections.get(collection) ?? {
      name: collection,
      uuid: null,
      cmetadata: null,
      dimension: await vectorDimension(file, 'embedding'),
      rows: 0,
      layout: fileLayout,
      files: [],
    };
    c.files.push(entry);
    c.rows += rows;
    collections.set(collection, c);
  }
  const warnings = [
    `${hasManifest ? 'the manifest has no checksums (written by the seed scripts)' : 'no export_manifest.json'}: files are restored unverified`,
  ];
  return { source: 'seed', layout, collections: [...collections.values()], tables, warnings };
}

/** A vecflow backup moved into LangChain tables: each collection's blue model (else its first). */
function fromVecflowManifest(m: { collections: ManifestCollection[]; files: ManifestFile[] }): LangchainRestorePlan {
  const chosen = new Map<string, ManifestCollection>();
  for (const c of m.collections) if (!chosen.has(c.name) || c.blue) chosen.set(c.name, c);
  const collections = [...chosen.values()].map((c) => {
    const files = m.files
      .filter((f) => f.collection === c.name && f.model === c.model)
      .sort((a, b) => (a.part ?? 0) - (b.part ?? 0))
      .map((f) => ({ name: safeFile(f.name), rows: f.rows, sha256: f.sha256 || null }));
    return {
      name: c.name,
      uuid: null,
      cmetadata: null,
      dimension: c.dimension,
      rows: files.reduce((n, f) => n + f.rows, 0),
      layout: 'vecflow' as const,
      files,
    };
  });
  return { source: 'vecflow', layout: 'langchain-postgres', collections, tables: [], warnings: [] };
}

/** The plan, narrowed to `collections` (unknown names refused) and without tables when skipped. */
export async function planLangchainRestore(
  dir: string,
  manifest: Record<string, unknown> | null,
  options: { collections?: string[]; skip_tables?: boolean },
): Promise<LangchainRestorePlan> {
  const kind = backupKind(manifest);
  const plan =
    kind === 'langchain'
      ? fromLangchainManifest(manifest as unknown as LangchainManifest)
      : kind === 'vecflow'
        ? fromVecflowManifest(manifest as unknown as { collections: ManifestCollection[]; files: ManifestFile[] })
        : await fromSeedDirectory(dir, manifest);
  for (const name of options.collections ?? [])
    if (!plan.collections.some((c) => c.name === name))
      throw new NotFoundError(`the backup has no collection ${JSON.stringify(name)}`);
  if (options.collections?.length)
    plan.collections = plan.collections.filter((c) => options.collections!.includes(c.name));
  if (options.skip_tables) plan.tables = [];
  if (plan.collections.length + plan.tables.length === 0) throw new NotFoundError('nothing to restore in the backup');
  return plan;
}
