import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { JsonArraySplitter } from '../../datafiles/json-array.js';
import { type ReadRow } from '../../datafiles/readers.js';
import { planSource, readSource } from '../../datafiles/sources.js';

// JSON array imports: the file is split into one line per element without parsing it
// (json-array.ts), then read as JSON Lines. Every element must come out exactly once and parse
// to what JSON.parse of the whole array gives, however the bytes are cut into chunks.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-json-array-'));

/** Splits `text` fed in chunks of `size` bytes; the lines, or the error thrown. */
function split(text: string | Buffer, size: number): string[] {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const s = new JsonArraySplitter();
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(s.push(bytes.subarray(at, at + size)));
  s.end();
  const lines = Buffer.concat(out).toString('utf8').split('\n');
  assert.equal(lines.pop(), '', 'every element ends with a line break');
  assert.equal(lines.length, s.elements);
  return lines;
}

const TRICKY = [
  { id: 'a', values: [1, -0.5, 1e-30], metadata: { nested: [[1], { x: [] }], s: 'x,y]}' } },
  { id: 'b"q', text: 'back\\slash \\" and "quotes" [ { , }', unicode: 'é ✓ \u2028' },
  7,
  'a string element, with [brackets]',
  null,
  [1, [2, [3]]],
  {},
  [],
  { id: 'last', escaped: '\\\\' },
];

describe('JSON array to lines', () => {
  it('gives every element on its own line, equal to JSON.parse, at any chunk size', () => {
    for (const text of [JSON.stringify(TRICKY), `\uFEFF  ${JSON.stringify(TRICKY, null, 2)}\n\n`]) {
      for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
        const lines = split(text, size);
        assert.deepEqual(
          lines.map((l) => JSON.parse(l) as unknown),
          TRICKY,
          `chunks of ${size}`,
        );
      }
    }
    // A raw line break inside a string, after a backslash or not, never splits its element.
    for (const size of [1, 2, 64]) {
      const lines = split('["a\\\nb", "c\nd", 1]', size);
      assert.equal(lines.length, 3, `chunks of ${size}`);
      assert.throws(() => JSON.parse(lines[0]));
      assert.throws(() => JSON.parse(lines[1]));
      assert.equal(JSON.parse(lines[2]), 1);
    }
    assert.deepEqual(split('[]', 1), []);
    assert.deepEqual(split(' [ ] \n', 2), []);
  });

  it('refuses what is not one JSON array, saying where', () => {
    const refused: [string, RegExp][] = [
      ['', /the file is empty/],
      ['  ', /the file is empty/],
      ['{"id": 1}', /it starts with "\{" at byte 0/],
      ['[{"id": 1}', /ends before its closing \]/],
      ['[{"id": 1}] [2]', /text after the closing \] at byte 12/],
      ['[1,,2]', /an empty element before , at byte 3/],
      ['[1,]', /an empty element before \] at byte 3/],
      ['[1}]', /an unmatched \} at byte 2/],
      ['["unterminated]', /ends before its closing \]/],
    ];
    for (const [text, message] of refused) assert.throws(() => split(text, 3), message, JSON.stringify(text));
  });

  it('keeps a raw line break inside a string from splitting its element: that row is invalid JSON', async () => {
    const file = path.join(dir, 'raw-newline.json');
    writeFileSync(
      file,
      '[{"id": "ok1", "values": [1, 2]},\n {"id": "bad", "text": "two\nlines"},\n {"id": "ok2"},\n' +
        ' {"id": "bad2", "text": "escaped \\\nline"},\n {"id": "ok3"}]',
    );
    const work = path.join(dir, 'work');
    mkdirSync(work);
    const plan = await planSource(file, 'json', work);
    assert.equal(plan.indexName, 'row');
    assert.equal(plan.total, 5);
    const rows: ReadRow[] = [];
    for await (const r of readSource(plan, { pos: 0, index: 0 })) rows.push(r);
    assert.deepEqual(
      rows.map((r) => [r.index, 'error' in r ? r.error.split(':')[0] : (r.row as { id: string }).id]),
      [
        [1, 'ok1'],
        [2, 'Invalid JSON'],
        [3, 'ok2'],
        [4, 'Invalid JSON'],
        [5, 'ok3'],
      ],
    );
  });
});
