import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { type ExportFormat, convertExport } from '../../datafiles/export-formats.js';
import { writeParquet } from '../../datafiles/parquet.js';

// Payload keys become export columns: any key a JSON object may hold must export, whatever
// characters it has (a key with a backslash once broke every export of its dataset). And a
// full-size part exports as JSON within DuckDB's memory limit (DuckDB's own JSON writer once
// ran out of it on one 20,000 × 768-d part).
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

  it(
    'exports a 20,000 × 768-d part as JSON Lines and as a JSON array: every row, in order, float32 values exact',
    { timeout: 180_000 },
    async () => {
      const N = 20_000;
      const DIM = 768;
      const vector = (i: number) =>
        Float32Array.from({ length: DIM }, (_, j) => Math.sin(i * 0.37 + j) * 10 ** ((j % 9) - 4));
      const part = path.join(dir, 'big.parquet');
      await writeParquet(
        part,
        (async function* () {
          for (let at = 0; at < N; at += 1000)
            yield Array.from({ length: 1000 }, (_, k) => ({
              id: `r${at + k}`,
              vector: vector(at + k),
              payload: { n: at + k, text: 'lorem "ipsum"\n' },
              timestamp: 1n,
            }));
        })(),
        {},
      );
      for (const format of ['jsonl', 'json'] as ExportFormat[]) {
        const out = path.join(dir, `big.${format}`);
        await convertExport([part], out, format);
        const text = readFileSync(out, 'utf8');
        const rows = (
          format === 'json'
            ? JSON.parse(text)
            : text
                .trimEnd()
                .split('\n')
                .map((l) => JSON.parse(l))
        ) as {
          id: string;
          values: number[];
          n: number;
          text: string;
        }[];
        assert.equal(rows.length, N, format);
        for (const i of [0, 1, 4321, N - 1]) {
          assert.deepEqual(
            [rows[i].id, rows[i].n, rows[i].text],
            [`r${i}`, i, 'lorem "ipsum"\n'],
            `${format} row ${i}`,
          );
          assert.deepEqual(Float32Array.from(rows[i].values), vector(i), `${format} row ${i}: values`);
        }
        rmSync(out);
      }
    },
  );
});
