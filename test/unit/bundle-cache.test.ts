import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { sourceDigest } from '../../worker/bundle.js';

// The key of the cached workflow bundle: any change to a source file or to the installed
// packages must give another bundle, and nothing else may.
describe('workflow bundle cache key', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function project(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'vf-bundle-key-'));
    dirs.push(root);
    for (const [name, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await writeFile(path.join(root, name), text);
    }
    return root;
  }

  const base = {
    'workflows/index.ts': 'export * from "./a.js";',
    'workflows/backup/a.ts': 'export const a = 1;',
    'core/ids.ts': 'export const b = 2;',
    'package-lock.json': '{"lockfileVersion":3}',
  };

  /** The key of the base project with `files` added or replaced. */
  const keyWith = async (files: Record<string, string> = {}) => sourceDigest(await project({ ...base, ...files }));

  it('is the same for the same sources, wherever they are', async () => {
    assert.equal(await keyWith(), await keyWith());
  });

  it('changes with any source file, in any folder of sources, and with the lockfile', async () => {
    const key = await keyWith();
    const changes: Record<string, string>[] = [
      { 'workflows/backup/a.ts': 'export const a = 3;' },
      { 'core/ids.ts': 'export const b = 4;' },
      { 'core/new.ts': '' },
      { 'activities/types.ts': 'export type T = 1;' },
      { 'package-lock.json': '{"lockfileVersion":3,"packages":{}}' },
    ];
    for (const change of changes) assert.notEqual(await keyWith(change), key, JSON.stringify(change));
  });

  it('ignores tests, benchmarks, dependencies and folders without sources (a data directory)', async () => {
    const key = await keyWith();
    const extras: Record<string, string>[] = [
      { 'test/unit/x.test.ts': 'x' },
      { 'bench/x.ts': 'x' },
      { 'node_modules/p/index.ts': 'x' },
      { 'data/run/journal.jsonl': 'x' },
      { 'workflows/README.md': 'x' },
    ];
    for (const extra of extras) assert.equal(await keyWith(extra), key, JSON.stringify(extra));
  });
});
