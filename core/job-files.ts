import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from './config.js';
import { NotFoundError, ValidationError } from './errors.js';
import { type JobStorage, jobStorage } from './job-storage.js';

// Files of import and export jobs: <data dir>/jobs/<kind>/<job id>/. The API writes uploads
// here and serves exports from here; activities read and write the rest. A job id is a UUID
// (checked), so no request can name a path outside the root. With VECFLOW_JOB_STORAGE the
// processes share them through S3: a writer publishes a finished file, a reader localizes it.
export type JobKind = 'import' | 'export';
export const JOB_KINDS: JobKind[] = ['import', 'export'];
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE_NAME = /^[\w][\w.-]*$/;

export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}

export class JobFiles {
  readonly root: string;
  private readonly storage: JobStorage;

  constructor(config: AppConfig) {
    this.root = path.join(config.dataDir, 'jobs');
    this.storage = jobStorage(config);
  }

  /** A job file's name in the shared storage, from its path in any process's data dir. */
  private rel(file: string): { rel: string; local: string } {
    const [kind, id, name] = file.split(path.sep).slice(-3);
    if (!FILE_NAME.test(name ?? '')) throw new ValidationError(`invalid job file ${JSON.stringify(file)}`);
    return { rel: `jobs/${kind}/${id}/${name}`, local: path.join(this.dir(kind as JobKind, id), name) };
  }

  /** Makes a finished local job file visible to every process (no-op without shared storage). */
  async publish(file: string): Promise<void> {
    if (this.storage.shared) await this.storage.publish(this.rel(file).rel);
  }

  /**
   * This process's copy of a job file named by any process (paths in workflow inputs come from
   * the process that wrote them). `immutable` files are fetched once; others every time.
   */
  async localize(file: string, immutable: boolean): Promise<string> {
    if (!this.storage.shared) return file;
    const { rel, local } = this.rel(file);
    await this.storage.fetch(rel, { ifMissing: immutable });
    return local;
  }

  /** Names of a job's files, here or in the shared storage. */
  async names(kind: JobKind, id: string): Promise<string[]> {
    const local = await readdir(this.dir(kind, id)).catch(() => [] as string[]);
    const prefix = `jobs/${kind}/${id}/`;
    const shared = (await this.storage.list(prefix)).map((f) => f.rel.slice(prefix.length));
    return [...new Set([...local, ...shared])].sort();
  }

  /** Removes these files of a job, here and in the shared storage. */
  async removeFiles(kind: JobKind, id: string, names: string[]): Promise<void> {
    for (const n of names) await rm(path.join(this.dir(kind, id), n), { force: true });
    await this.storage.remove(names.map((n) => `jobs/${kind}/${id}/${n}`));
  }

  dir(kind: JobKind, id: string): string {
    if (!JOB_KINDS.includes(kind) || !isJobId(id))
      throw new NotFoundError(`no such ${kind} job: ${JSON.stringify(id)}`);
    return path.join(this.root, kind, id);
  }

  /** A file of a job (created directories included); names are plain, never paths. */
  async file(kind: JobKind, id: string, name: string): Promise<string> {
    if (!FILE_NAME.test(name)) throw new ValidationError(`invalid job file name ${JSON.stringify(name)}`);
    const dir = this.dir(kind, id);
    await mkdir(dir, { recursive: true });
    return path.join(dir, name);
  }

  async remove(kind: JobKind, id: string): Promise<boolean> {
    const dir = this.dir(kind, id);
    const shared = await this.storage.list(`jobs/${kind}/${id}/`);
    const existed = !!(await stat(dir).catch(() => null)) || shared.length > 0;
    await rm(dir, { recursive: true, force: true });
    await this.storage.remove(shared.map((f) => f.rel));
    return existed;
  }

  /** Job directories, on disk or in the shared storage, with their last modification time. */
  async list(kind: JobKind): Promise<{ id: string; modified: Date }[]> {
    const base = path.join(this.root, kind);
    const names = await readdir(base).catch(() => [] as string[]);
    const found = new Map<string, Date>();
    const seen = (id: string, modified: Date) => {
      const before = found.get(id);
      if (!before || before < modified) found.set(id, modified);
    };
    for (const id of names.filter(isJobId)) {
      const s = await stat(path.join(base, id)).catch(() => null);
      if (s?.isDirectory()) seen(id, s.mtime);
    }
    for (const f of await this.storage.list(`jobs/${kind}/`)) {
      const id = f.rel.split('/')[2];
      if (isJobId(id)) seen(id, f.modified ?? new Date());
    }
    return [...found].map(([id, modified]) => ({ id, modified }));
  }
}
