import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from './config.js';
import { ValidationError } from './errors.js';
import { type JobStorage, jobStorage } from './job-storage.js';

// The staging area: large request bodies are written here by the API and read back by
// activities, so workflow history only ever carries a reference (a directory name). The
// processes share it through the data dir (one machine, or a shared volume) or, with
// VECFLOW_JOB_STORAGE, through S3 (core/job-storage.ts).
export interface StagedRef {
  /** Directory name under <data dir>/staging; never a path from a request. */
  dir: string;
  batches: number;
  items: number;
}

const SAFE_DIR = /^[a-z]+\/[0-9a-f-]{36}$/;
const KEPT_INPUTS = 'inputs-kept.json';

export class StagingArea {
  readonly root: string;
  private readonly storage: JobStorage;

  constructor(config: AppConfig) {
    this.root = path.join(config.dataDir, 'staging');
    this.storage = jobStorage(config);
  }

  /** Confines a stored reference to the staging root. */
  private resolve(dir: string, file = ''): string {
    if (!SAFE_DIR.test(dir) || (file && !/^[\w.-]+$/.test(file)))
      throw new ValidationError(`invalid staging reference ${JSON.stringify(dir)}`);
    return path.join(this.root, dir, file);
  }

  /** The file's path relative to the data dir: its name in the shared job storage. */
  private rel(dir: string, file: string): string {
    this.resolve(dir, file);
    return `staging/${dir}/${file}`;
  }

  private async write(dir: string, file: string, data: string | Uint8Array): Promise<void> {
    await writeAtomic(this.resolve(dir, file), data);
    await this.storage.publish(this.rel(dir, file));
  }

  /** A local copy of a staged file: immutable ones are fetched once, others every time. */
  private async read(dir: string, file: string, immutable: boolean): Promise<string | null> {
    if (!(await this.storage.fetch(this.rel(dir, file), { ifMissing: immutable }))) return null;
    return readFile(this.resolve(dir, file), 'utf8').catch(() => null);
  }

  /** Names of the directory's files, here or in the shared storage. */
  private async names(dir: string): Promise<string[]> {
    const local = await readdir(this.resolve(dir)).catch(() => [] as string[]);
    const shared = (await this.storage.list(`staging/${dir}`)).map((f) => f.rel.slice(`staging/${dir}/`.length));
    return [...new Set([...local, ...shared])].filter((n) => !n.endsWith('.tmp')).sort();
  }

  /** Writes `items` as batch files of `batchSize` and returns the reference. */
  async stage(kind: string, items: unknown[], batchSize: number, meta: unknown): Promise<StagedRef> {
    const dir = `${kind}/${randomUUID()}`;
    await mkdir(this.resolve(dir), { recursive: true });
    const batches = Math.ceil(items.length / batchSize);
    for (let b = 0; b < batches; b++) {
      await this.write(dir, batchFile(b), JSON.stringify(items.slice(b * batchSize, (b + 1) * batchSize)));
    }
    await this.write(dir, 'meta.json', JSON.stringify(meta));
    return { dir, batches, items: items.length };
  }

  /** Writes named files (e.g. a binary body beside its index) and returns the reference. */
  async stageFiles(kind: string, files: Record<string, string | Uint8Array>, items: number): Promise<StagedRef> {
    const dir = `${kind}/${randomUUID()}`;
    await mkdir(this.resolve(dir), { recursive: true });
    for (const [name, data] of Object.entries(files)) await this.write(dir, name, data);
    return { dir, batches: 1, items };
  }

  async readStagedFile(ref: Pick<StagedRef, 'dir'>, name: string): Promise<Buffer> {
    await this.storage.fetch(this.rel(ref.dir, name), { ifMissing: true });
    return readFile(this.resolve(ref.dir, name));
  }

  async readBatch<T>(ref: Pick<StagedRef, 'dir'>, batch: number): Promise<T[]> {
    await this.storage.fetch(this.rel(ref.dir, batchFile(batch)), { ifMissing: true });
    return JSON.parse(await readFile(this.resolve(ref.dir, batchFile(batch)), 'utf8')) as T[];
  }

  /** Every staged item: the batches, or what removeInputs kept of them. */
  async readAll<T>(ref: StagedRef): Promise<T[]> {
    const kept = await this.read(ref.dir, KEPT_INPUTS, true);
    if (kept !== null) return JSON.parse(kept) as T[];
    const out: T[] = [];
    for (let b = 0; b < ref.batches; b++) out.push(...(await this.readBatch<T>(ref, b)));
    return out;
  }

  /** Per-batch results (e.g. failed items), written idempotently: a retried batch overwrites its file. */
  async writeResult(ref: StagedRef, batch: number, rows: unknown[]): Promise<void> {
    await this.write(ref.dir, `result-${String(batch).padStart(6, '0')}.json`, JSON.stringify(rows));
  }

  async readResults<T>(ref: StagedRef): Promise<T[]> {
    const names = (await this.names(ref.dir)).filter((n) => n.startsWith('result-') && n.endsWith('.json'));
    const out: T[] = [];
    for (const n of names) {
      // A retried batch rewrites its result: the shared copy is the latest.
      const text = await this.read(ref.dir, n, false);
      if (text !== null) out.push(...(JSON.parse(text) as T[]));
    }
    return out;
  }

  /**
   * Drops the staged input batches, keeping results and metadata. A deletion task's inputs are
   * only ids, which its status answers with (`object_ids`): they are kept, in one file.
   */
  async removeInputs(ref: Pick<StagedRef, 'dir'>): Promise<void> {
    const names = (await this.names(ref.dir)).filter((n) => n.startsWith('batch-'));
    if (ref.dir.startsWith('deletion/') && names.length) {
      const ids: unknown[] = [];
      for (const n of names) ids.push(...(JSON.parse((await this.read(ref.dir, n, true)) ?? '[]') as unknown[]));
      await this.write(ref.dir, KEPT_INPUTS, JSON.stringify(ids));
    }
    for (const n of names) await rm(this.resolve(ref.dir, n), { force: true });
    await this.storage.remove(names.map((n) => this.rel(ref.dir, n)));
  }

  async remove(ref: Pick<StagedRef, 'dir'>): Promise<void> {
    await rm(this.resolve(ref.dir), { recursive: true, force: true });
    await this.storage.remove({ dir: `staging/${ref.dir}` });
  }
}

/** Readers never see half a file: write beside it, then rename over it. */
async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function batchFile(b: number): string {
  return `batch-${String(b).padStart(6, '0')}.json`;
}
