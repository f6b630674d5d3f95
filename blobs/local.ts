import { copyFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { assertKey } from './keys.js';
import type { BlobInfo, BlobStore } from './port.js';

/** Blobs as files under a root directory. */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  constructor(readonly root: string) {}

  private file(key: string): string {
    return path.join(this.root, ...assertKey(key).split('/'));
  }

  async put(key: string, file: string): Promise<void> {
    const dest = this.file(key);
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(file, dest);
  }

  async get(key: string, file: string): Promise<void> {
    try {
      await copyFile(this.file(key), file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no blob ${key}`);
      throw err;
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const out: BlobInfo[] = [];
    const walk = async (dir: string, rel: string) => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (key.startsWith(prefix)) out.push({ key, size: (await stat(path.join(dir, e.name))).size });
      }
    };
    await walk(this.root, '');
    return out.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /** A local put is one copy; a killed one leaves nothing a later put does not replace. */
  async abortUnfinished(key: string): Promise<number> {
    this.file(key); // the same confinement as every other call
    return 0;
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await rm(this.file(key), { force: true });
  }
}
