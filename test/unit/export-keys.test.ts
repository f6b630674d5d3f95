import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { type ExportFormat, convertExport } from '../../datafiles/export-formats.js';
import { writeParquet } from '../../datafiles/parquet.js';

// Payload keys become export columns: any key a JSON object may hold must export, whatever
// characters it has (a key with a backslash once broke every export of its dataset).
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-export-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ['a\\b', 'ends\\', 'q"x', 's/l', 't~n', 'dot.k', "it's", 'ü'];

describe('export of payload keys with any characters', () => {
  it('writes every key as its own column with its value, in JSONL and CSV', async () => {
    const part = path.join(dir, 'part.parquet');
    await writeParquet(
      part,
      (async function* () {
        yield [
          {
            id: 'p1',
            vector: Float32Array.of(0.5, -1),
            payload: Object.fromEntries(KEYS.map((k, i) => [k, `v${i}`])),
            timestamp: 1n,
          },
        ];
      })(),
      {},
    );
    for (const format of ['jsonl', 'csv'] as ExportFormat[]) {
      const out = path.join(dir, `out.${format}`);
      await convertExport([part], out, format);
      const text = readFileSync(out, 'utf8');
      if (format === 'jsonl') {
        const row = JSON.parse(text.trim()) as Record<string, unknown>;
        for (const [i, k] of KEYS.entries()) assert.equal(row[k], `v${i}`, `${format}: ${k}`);
      } else for (const i of KEYS.keys()) assert.match(text, new RegExp(`\\bv${i}\\b`), `${format}: ${KEYS[i]}`);
    }
  });
});
