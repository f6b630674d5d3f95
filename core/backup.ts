import type { Distance } from './types.js';

// Backup layout and manifest, shared by workflows, activities, API and CLI. Workflow-safe.
export const MANIFEST = 'export_manifest.json';
export const FORMAT_VERSION = 1;
export const DEFAULT_BATCH_SIZE = 50_000;

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Where a backup goes or comes from: a directory in a backup root, and/or S3. */
export interface BackupLocation {
  /** An absolute path inside a backup root (relative: under the first root); never outside them. */
  dir?: string;
  s3?: S3Location;
}

export interface ManifestFile {
  name: string;
  collection: string;
  model: string;
  part: number | null;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ManifestCollection {
  name: string;
  model: string;
  dimension: number;
  distance: Distance;
  count: number;
  blue: boolean;
  write_target: boolean;
  /** Order-independent digest over id + vector bytes + payload (see datafiles/digest.ts). */
  digest: string;
}

export interface Manifest {
  export_timestamp: string;
  format_version: number;
  vecflow_version: string;
  total_files: number;
  files: ManifestFile[];
  collections: ManifestCollection[];
  total_embeddings: number;
  /** The seed's own summary, kept for tools that read it. */
  metadata: { total_embeddings: number; collections: string[] };
  /** The backup schedule that wrote it: its retention deletes only its own backups. */
  schedule_id?: string;
}

/** `<collection>__<model>.parquet`, or `…_part0000.parquet` for parts. */
export function backupFileName(collection: string, model: string, part: number | null): string {
  return `${collection}__${model}${part === null ? '' : `_part${String(part).padStart(4, '0')}`}.parquet`;
}

/** Splits a file name back into collection, model and part (either layout). */
export function parseBackupFileName(
  name: string,
): { collection: string; model: string | null; part: number | null } | null {
  const m = /^(.+?)(?:_part(\d{4,}))?\.parquet$/.exec(name);
  if (!m) return null;
  const [collection, model] = m[1].includes('__') ? m[1].split('__', 2) : [m[1], null];
  return { collection, model, part: m[2] === undefined ? null : Number(m[2]) };
}

/** `YYYYMMDD_HHMMSS` (UTC) of a date: the directory of one scheduled backup run. */
export function backupStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

/** Sums content digests given as hex, mod 2^256 (see datafiles/digest.ts for one point's). */
export function sumDigests(hexes: string[]): string {
  const mod = 1n << 256n;
  return (hexes.reduce((a, h) => a + BigInt('0x' + h), 0n) % mod).toString(16).padStart(64, '0');
}
