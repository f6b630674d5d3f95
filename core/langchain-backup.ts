import { ValidationError } from './errors.js';

// A backup of LangChain PGVector tables in the seed-004 scripts' own layout: one Parquet file per
// collection (`<collection>.parquet`, or `<collection>_part0000.parquet`, … when split), one per
// extra table (`event_summaries.parquet`), and `export_manifest.json` with the seed's fields,
// vecflow's own details beside them under `vecflow`. Pure functions, workflow-safe.
export const EVENT_SUMMARIES = 'event_summaries';

/** A collection or table name used as it is in file names. */
const SAFE = /^[A-Za-z0-9_.-]{1,100}$/;
const PLAIN_BYTE = /[A-Za-z0-9_-]/;

/**
 * The file-name stem of a collection or table: the name itself when it is safe
 * (`[A-Za-z0-9_.-]{1,100}`, not `.` or `..`), else its UTF-8 bytes percent-encoded (`.` and `%`
 * included, so an encoded stem never looks like a safe name nor like a path).
 */
export function fileStem(name: string): string {
  if (name.length === 0) throw new ValidationError('a collection or table name must not be empty', { name });
  if (SAFE.test(name) && name !== '.' && name !== '..') return name;
  let out = '';
  for (const byte of new TextEncoder().encode(name)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PLAIN_BYTE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > 200)
    throw new ValidationError(`the name ${JSON.stringify(name.slice(0, 40))}… is too long for a file name`, { name });
  return out;
}

/** The name a stem was made from (the inverse of fileStem). */
export function nameOfStem(stem: string): string {
  return stem.includes('%') ? decodeURIComponent(stem) : stem;
}

export const partFileName = (stem: string, part: number | null) =>
  `${stem}${part === null ? '' : `_part${String(part).padStart(4, '0')}`}.parquet`;

export interface PlannedSource {
  kind: 'collection' | 'table';
  name: string;
  rows: number;
}

export interface PlannedFile {
  kind: 'collection' | 'table';
  name: string;
  file: string;
  part: number | null;
}

/**
 * Every file a backup will write, in order: collections split into parts of `batchSize` rows
 * when larger (as the seed's `--batch-size`), tables whole. Two sources whose files would share a
 * name (a collection called `event_summaries` beside that table; `a_part0001` beside a split
 * `a`) are refused here, before anything is written, naming both.
 */
export function planFiles(sources: PlannedSource[], batchSize: number): PlannedFile[] {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError('batch_size must be a positive integer', { field: 'batch_size' });
  const files: PlannedFile[] = [];
  const owner = new Map<string, PlannedSource>();
  for (const source of sources) {
    const stem = fileStem(source.name);
    const parts = source.kind === 'collection' && source.rows > batchSize ? Math.ceil(source.rows / batchSize) : 0;
    const names = parts ? Array.from({ length: parts }, (_, p) => p) : [null];
    for (const part of names) {
      const file = partFileName(stem, part);
      const taken = owner.get(file.toLowerCase());
      if (taken)
        throw new ValidationError(
          `${taken.kind} ${JSON.stringify(taken.name)} and ${source.kind} ${JSON.stringify(source.name)} would both be written to ${file}; back them up separately`,
          { file },
        );
      owner.set(file.toLowerCase(), source);
      files.push({ kind: source.kind, name: source.name, file, part });
    }
  }
  return files;
}

/** A column of an extra table, as its Postgres catalog describes it. */
export interface TableColumn {
  name: string;
  /** Postgres's own spelling of the type (format_type), e.g. `timestamp with time zone`, `vector(768)`. */
  type: string;
  /** The base type's name (pg_type.typname), e.g. `timestamptz`, `_int4` for arrays. */
  udt: string;
  nullable: boolean;
}

/** What a LangChain backup's manifest says, the seed's fields first. */
export interface LangchainManifest {
  export_timestamp: string;
  /** Every file written, this manifest included (the seed's example: 6, with 5 listed). */
  total_files: number;
  files: string[];
  metadata: { total_embeddings: number; collections: string[]; include_event_summaries: boolean };
  /** The backup schedule that wrote it: its retention deletes only its own backups. */
  schedule_id?: string;
  vecflow?: {
    format_version: number;
    source: 'langchain';
    layout: 'langchain-postgres' | 'langchain-community';
    vector_format: 'text' | 'float';
    vecflow_version: string;
    collections: {
      name: string;
      uuid: string;
      cmetadata: string | null;
      dimension: number | null;
      rows: number;
      files: string[];
    }[];
    tables: { name: string; rows: number; files: string[]; columns: TableColumn[]; primary_key: string[] }[];
    files: { name: string; rows: number; bytes: number; sha256: string }[];
  };
}

/** The seed's part of a manifest, from the files written (in order) and what they hold. */
export function seedManifestFields(
  exportedAt: Date,
  files: PlannedFile[],
  collections: { name: string; rows: number }[],
  includeEventSummaries: boolean,
): Omit<LangchainManifest, 'vecflow'> {
  return {
    // The seed writes local time without a zone (2024-11-06T19:45:00); UTC here, without a zone too.
    export_timestamp: exportedAt.toISOString().slice(0, 19),
    total_files: files.length + 1,
    files: files.map((f) => f.file),
    metadata: {
      total_embeddings: collections.reduce((n, c) => n + c.rows, 0),
      collections: collections.map((c) => c.name),
      include_event_summaries: includeEventSummaries,
    },
  };
}
