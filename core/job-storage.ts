import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { S3BlobStore } from '../blobs/s3.js';
import type { AppConfig } from './config.js';
import { NotFoundError } from './errors.js';

// Where job files are shared between processes. Every process keeps its job files under its own
// data dir (DuckDB and streams need local files); with VECFLOW_JOB_STORAGE=s3://bucket/prefix,
// each file is also published to S3 under its path relative to the data dir, and a process that
// lacks a file (or needs its latest version) fetches it from there. So the API and workers on
// different machines need no shared volume. Without it, the data dir is the shared place
// (one machine, or a shared volume) and these calls do nothing.
export interface JobStorage {
  /** `s3://…` when files are shared through S3, null when through the data dir. */
  readonly shared: string | null;
  /** Makes the local file at `rel` (under the data dir) visible to every process. */
  publish(rel: string): Promise<void>;
  /**
   * Brings the shared copy of `rel` into the data dir; `ifMissing` keeps a local copy (files
   * that never change). False when there is no such file anywhere.
   */
  fetch(rel: string, options?: { ifMissing?: boolean }): Promise<boolean>;
  /** Shared files under the directory `relDir` (relative names, with their times). */
  list(relDir: string): Promise<{ rel: string; modified?: Date }[]>;
  /** Removes the shared copies of these files, or of everything under `relDir/`. */
  remove(rels: string[] | { dir: string }): Promise<void>;
}

const cache = new WeakMap<AppConfig, JobStorage>();

export function jobStorage(config: AppConfig): JobStorage {
  let storage = cache.get(config);
  if (!storage) {
    const url = config.env.VECFLOW_JOB_STORAGE;
    storage = url ? new S3JobStorage(config.dataDir, url, config.env.S3_ENDPOINT) : LOCAL;
    cache.set(config, storage);
  }
  return storage;
}

const LOCAL: JobStorage = {
  shared: null,
  publish: async () => undefined,
  fetch: async () => true,
  list: async () => [],
  remove: async () => undefined,
};

class S3JobStorage implements JobStorage {
  private readonly blobs: S3BlobStore;
  constructor(
    private readonly dataDir: string,
    readonly shared: string,
    endpoint?: string,
  ) {
    const [, bucket, prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(shared)!;
    this.blobs = new S3BlobStore({ bucket, prefix, endpoint });
  }

  private local(rel: string): string {
    return path.join(this.dataDir, ...rel.split('/'));
  }

  async publish(rel: string): Promise<void> {
    await this.blobs.put(rel, this.local(rel));
  }

  async fetch(rel: string, { ifMissing = false } = {}): Promise<boolean> {
    const file = this.local(rel);
    if (ifMissing && existsSync(file)) return true;
    await mkdir(path.dirname(file), { recursive: true });
    try {
      await this.blobs.get(rel, file);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return existsSync(file);
      throw err;
    }
  }

  async list(relDir: string): Promise<{ rel: string; modified?: Date }[]> {
    return (await this.blobs.list(`${relDir.replace(/\/+$/, '')}/`)).map((b) => ({ rel: b.key, modified: b.modified }));
  }

  async remove(rels: string[] | { dir: string }): Promise<void> {
    const keys = Array.isArray(rels) ? rels : (await this.list(rels.dir)).map((f) => f.rel);
    if (keys.length) await this.blobs.delete(keys);
  }
}
