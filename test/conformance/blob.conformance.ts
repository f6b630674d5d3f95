import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { BlobStore } from '../../blobs/port.js';
import { NotFoundError, ValidationError } from '../../core/errors.js';

/** The blob-store conformance suite: every adapter passes it unchanged. */
export function blobConformance(name: string, open: () => Promise<{ store: BlobStore; close(): Promise<void> }>): void {
  describe(`blob conformance: ${name}`, () => {
    let store: BlobStore;
    let close: () => Promise<void>;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-blob-'));
    const prefix = `conf-${Date.now().toString(36)}`;
    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close());

    it('round-trips bytes, small and multipart-large', async () => {
      for (const [key, size] of [
        [`${prefix}/small.bin`, 1000],
        [`${prefix}/nested/dir/large.bin`, 12 * 1024 * 1024 + 7],
      ] as const) {
        const src = path.join(dir, 'src'),
          dst = path.join(dir, 'dst');
        const bytes = randomBytes(size);
        writeFileSync(src, bytes);
        await store.put(key, src);
        await store.get(key, dst);
        assert.ok(readFileSync(dst).equals(bytes), key);
      }
    });

    it('lists by prefix with sizes, sorted, and deletes', async () => {
      const src = path.join(dir, 'x');
      writeFileSync(src, 'hello');
      for (const k of ['b/2.txt', 'a/1.txt', 'a/ü 3.txt', 'ab.txt']) await store.put(`${prefix}/list/${k}`, src);
      const listed = await store.list(`${prefix}/list/a/`);
      assert.deepEqual(
        listed.map((b) => [b.key, b.size]),
        [
          [`${prefix}/list/a/1.txt`, 5],
          [`${prefix}/list/a/ü 3.txt`, 5],
        ],
      );
      assert.equal((await store.list(`${prefix}/list/`)).length, 4);
      await store.delete([`${prefix}/list/a/1.txt`, `${prefix}/list/missing.txt`]);
      assert.deepEqual(
        (await store.list(`${prefix}/list/a`)).map((b) => b.key),
        [`${prefix}/list/a/ü 3.txt`, `${prefix}/list/ab.txt`],
        'a plain string prefix',
      );
      assert.deepEqual(await store.list(`${prefix}/nothing-here/`), []);
    });

    it('abandons nothing when no upload of a key is unfinished, and confines its key too', async () => {
      assert.equal(await store.abortUnfinished(`${prefix}/never-started.bin`), 0);
      for (const bad of ['../x', '/abs']) await assert.rejects(store.abortUnfinished(bad), ValidationError, bad);
    });

    it('says NotFound for a missing key and refuses keys escaping the root', async () => {
      await assert.rejects(store.get(`${prefix}/missing.bin`, path.join(dir, 'm')), NotFoundError);
      for (const bad of ['../x', 'a/../../x', '/abs', 'a\\b', ''])
        await assert.rejects(store.put(bad, path.join(dir, 'x')), ValidationError, bad);
    });
  });
}
