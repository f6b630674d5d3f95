import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from './errors.js';

// The staging area: large request bodies are written here by the API and read back by
// activities, so workflow history only ever carries a reference (a directory name). Both
// processes see the same data dir (one machine, or a shared volume in docker-compose).
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

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'staging');
  }

  /** Confines a stored reference to the staging root. */
  private resolve(dir: string, file = ''): string {
    if (!SAFE_DIR.test(dir) || (file && !/^[\w.-]+$/.test(file)))
      throw new ValidationError(`invalid staging reference ${JSON.stringify(dir)}`);
    return path.join(this.root, dir, file);
  }

  /** Writes `items` as batch files of `batchSize` and returns the reference. */
  async stage(kind: string, items: unknown[], batchSize: number, meta: unknown): Promise<StagedRef> {
    const dir = `${kind}/${randomUUID()}`;
    await mkdir(this.resolve(dir), { recursive: true });
    const batches = Math.ceil(items.length / batchSize);
    for (let b = 0; b < batches; b++) {
      await writeFile(this.resolve(dir, batchFile(b)), JSON.stringify(items.slice(b * batchSize, (b + 1) * batchSize)));
    }
    await writeFile(this.resolve(dir, 'meta.json'), JSON.stringify(meta));
    return { dir, batches, items: items.length };
  }

  /** Writes named files (e.g. a binary body beside its index) and returns the reference. */
  async stageFiles(kind: string, files: Record<string, string | Uint8Array>, items: number): Promise<StagedRef> {
    const dir = `${kind}/${randomUUID()}`;
    await mkdir(this.resolve(dir), { recursive: true });
    for (const [name, data] of Object.entries(files)) await writeFile(this.resolve(dir, name), data);
    return { dir, batches: 1, items };
  }

  async readStagedFile(ref: Pick<StagedRef, 'dir'>, name: string): Promise<Buffer> {
    return readFile(this.resolve(ref.dir, name));
  }

  async readBatch<T>(ref: StagedRef, batch: number): Promise<T[]> {
    return JSON.parse(await readFile(this.resolve(ref.dir, batchFile(batch)), 'utf8')) as T[];
  }

  /** Every staged item: the batches, or what removeInputs kept of them. */
  async readAll<T>(ref: StagedRef): Promise<T[]> {
    const kept = await readFile(this.resolve(ref.dir, KEPT_INPUTS), 'utf8').catch(() => null);
    if (kept !== null) return JSON.parse(kept) as T[];
    const out: T[] = [];
    for (let b = 0; b < ref.batches; b++) out.push(...(await this.readBatch<T>(ref, b)));
    return out;
  }

  /** Per-batch results (e.g. failed items), written idempotently: a retried batch overwrites its file. */
  async writeResult(ref: StagedRef, batch: number, rows: unknown[]): Promise<void> {
    await writeAtomic(this.resolve(ref.dir, `result-${String(batch).padStart(6, '0')}.json`), JSON.stringify(rows));
  }

  async readResults<T>(ref: StagedRef): Promise<T[]> {
    let names: string[];
    try {
      names = (await readdir(this.resolve(ref.dir)))
        .filter((n) => n.startsWith('result-') && n.endsWith('.json'))
        .sort();
    } catch {
      return [];
    }
    const out: T[] = [];
    for (const n of names) out.push(...(JSON.parse(await readFile(this.resolve(ref.dir, n), 'utf8')) as T[]));
    return out;
  }

  /**
   * Drops the staged input batches, keeping results and metadata. A deletion task's inputs are
   * only ids, which its status answers with (`object_ids`): they are kept, in one file.
   */
  async removeInputs(ref: Pick<StagedRef, 'dir'>): Promise<void> {
    const names = (await readdir(this.resolve(ref.dir)).catch(() => [] as string[]))
      .filter((n) => n.startsWith('batch-'))
      .sort();
    if (ref.dir.startsWith('deletion/') && names.length) {
      const ids: unknown[] = [];
      for (const n of names) ids.push(...(JSON.parse(await readFile(this.resolve(ref.dir, n), 'utf8')) as unknown[]));
      await writeAtomic(this.resolve(ref.dir, KEPT_INPUTS), JSON.stringify(ids));
    }
    for (const n of names) await rm(this.resolve(ref.dir, n), { force: true });
  }

  async remove(ref: Pick<StagedRef, 'dir'>): Promise<void> {
    await rm(this.resolve(ref.dir), { recursive: true, force: true });
  }
}

/** Readers never see half a file: write beside it, then rename over it. */
async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

function batchFile(b: number): string {
  return `batch-${String(b).padStart(6, '0')}.json`;
}
