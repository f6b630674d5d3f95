import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, ValidationError } from './errors.js';

// Files of import and export jobs: <data dir>/jobs/<kind>/<job id>/. The API writes uploads
// here and serves exports from here; activities read and write the rest. A job id is a UUID
// (checked), so no request can name a path outside the root.
export type JobKind = 'import' | 'export';
export const JOB_KINDS: JobKind[] = ['import', 'export'];
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FILE_NAME = /^[\w][\w.-]*$/;

export function isJobId(id: string): boolean {
  return JOB_ID.test(id);
}

export class JobFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'jobs');
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
    const existed = !!(await stat(dir).catch(() => null));
    await rm(dir, { recursive: true, force: true });
    return existed;
  }

  /** Job directories on disk with their last modification time. */
  async list(kind: JobKind): Promise<{ id: string; modified: Date }[]> {
    const base = path.join(this.root, kind);
    const names = await readdir(base).catch(() => [] as string[]);
    const out: { id: string; modified: Date }[] = [];
    for (const id of names.filter(isJobId)) {
      const s = await stat(path.join(base, id)).catch(() => null);
      if (s?.isDirectory()) out.push({ id, modified: s.mtime });
    }
    return out;
  }
}
