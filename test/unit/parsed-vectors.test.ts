import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { duckdb, sqlString } from '../../datafiles/duckdb.js';
import { RowError, rowToPoint } from '../../datafiles/rows.js';
import { type Cursor, type ReadRow, jsonlRows } from '../../datafiles/readers.js';
import { planSource, readSource } from '../../datafiles/sources.js';

// Vector text in CSV (and text columns of Parquet) is parsed by DuckDB while the import is
// planned, not by JSON.parse in the chunk: the points and the errors must be the same.
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-parsed-'));
let n = 0;

async function planAndRead(file: string, format: 'csv' | 'parquet' | 'jsonl') {
  const work = path.join(dir, `work-${n++}`);
  mkdirSync(work);
  const plan = await planSource(file, format, work);
  const rows: Array<{ index: number; row?: Record<string, unknown>; error?: string; next: Cursor }> = [];
  for await (const r of readSource(plan, { pos: 0, index: 0 })) rows.push(r);
  return { plan, rows };
}

/** What an import does with a row: its vector (and payload), or its error message. */
function outcome(row: Record<string, unknown>, dimension = 3, withPayload = false): unknown {
  try {
    const p = rowToPoint(row, dimension, 0n);
    return withPayload ? { id: p.id, vector: Array.from(p.vector), payload: p.payload } : Array.from(p.vector);
  } catch (err) {
    assert.ok(err instanceof RowError, String(err));
    return err.message;
  }
}

const CELLS = [
  '[0.1,0.2,0.3]',
  '[ 1 ,\n 2, 3e-2 ]',
  '[-0, 1E5, 2.5e+3]',
  '[-0.0, -0e1, 0]',
  '[12345678901234567890, 1e-400, 4.9e-324]',
  '[0.30000001192092896, -0.1, 3.4028234663852886e38]',
  '[1e39, 1, 2]',
  '[1e400, 1, 2]',
  '[1, +2, 3]',
  '[.5, 1, 2]',
  '[1., 1, 2]',
  '[01, 1, 2]',
  '[nan, 1, 2]',
  '[1, "2", 3]',
  '[1, 2, 3,]',
  '[1, 2]',
  '[]',
  '1, 2, 3',
  'nope',
  '',
];

describe('vectors parsed by DuckDB while planning', () => {
  it('a CSV gives the float32s and the errors JSON.parse gives, cell for cell', async () => {
    const file = path.join(dir, 'cells.csv');
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    writeFileSync(file, `id,values\n${CELLS.map((c, i) => `r${i},${quote(c)}`).join('\n')}\n`);
    const { plan, rows } = await planAndRead(file, 'csv');
    assert.equal(plan.table, true, 'a well-formed CSV is normalized by DuckDB');
    assert.equal(rows.length, CELLS.length);
    const parsed = rows.filter((r) => r.row?.values instanceof Float64Array).length;
    assert.equal(parsed, 9, 'the plain JSON arrays of numbers come back parsed, the rest as their text');
    rows.forEach((r, i) => {
      assert.ok(r.row, `row ${i + 1} is read`);
      assert.equal(r.index, i + 1);
      assert.deepEqual(outcome(r.row), outcome({ id: `r${i}`, values: CELLS[i] }), `cell ${JSON.stringify(CELLS[i])}`);
    });
    assert.equal(outcome(rows[6].row!), 'values[0] is outside the float32 range');
    assert.equal(outcome(rows[7].row!), 'values[0] is not a finite number');
    assert.ok(Object.is(rowToPoint(rows[2].row!, 3, 0n).vector[0], -0), 'a bare -0 keeps its sign');
  });

  it('Parquet vectors come out as typed arrays; a NULL element is named; text vectors are parsed as in CSV', async () => {
    const file = path.join(dir, 'lists.parquet');
    const con = await duckdb();
    await con.run(
      `COPY (SELECT * FROM (VALUES (1, 'a', [0.5, 1.5, 2.5]::FLOAT[]), (2, 'b', [1, NULL, 3]::FLOAT[]), (3, 'c', NULL::FLOAT[])) t(n, id, "values") ORDER BY n) TO ${sqlString(file)} (FORMAT parquet)`,
    );
    const text = path.join(dir, 'text.parquet');
    await con.run(
      `COPY (SELECT * FROM (VALUES (1, 'a', '[0.1, 0.2, 0.3]'), (2, 'b', '[1, nan, 3]')) t(n, id, "values") ORDER BY n) TO ${sqlString(text)} (FORMAT parquet)`,
    );
    con.closeSync();
    const { rows } = await planAndRead(file, 'parquet');
    assert.ok(rows[0].row?.values instanceof Float32Array);
    assert.deepEqual(
      rows.map((r) => outcome(r.row!)),
      [[0.5, 1.5, 2.5], 'values[1] is not a finite number', 'Missing required field: values'],
    );
    const { rows: texts } = await planAndRead(text, 'parquet');
    assert.ok(texts[0].row?.values instanceof Float64Array);
    assert.deepEqual(
      texts.map((r) => outcome(r.row!)),
      [
        [0.1, 0.2, 0.3].map(Math.fround),
        'Invalid JSON in values: ' + String(outcome({ id: 'x', values: '[1, nan, 3]' })).slice(24),
      ],
    );
  });

  it('JSON Lines parsed once by planning give the rows, points and errors that parsing each line gives', async () => {
    const lines = [
      '{"id": "a", "values": [0.1, 0.2, 0.3], "metadata": {"k": -0}, "content": "x"}',
      '{"id": "b", "values": [1, "2", 3]}',
      '{"id": "c", "values": [1e39, 1, 2]}',
      '{"id": "d", "values": [1, null, 3]}',
      '{"id": "e", "values": []}',
      '{"id": "f", "values": [1, 2]}',
      '{"id": "g", "content": "only text"}',
      '',
      '{"id": "h", "values": [1, 2, 3], "values": [4, 5, 6]}',
      '{"id": "i", "vector": [1, 2, 3], "payload": {"p": 1}}',
      '{"id": "j", "values": [1, 2, 3], "__proto__": {"x": 1}, "chunk_index": "2"}',
      '[1, 2, 3]',
      '"text"',
      '{"id": "k", "values": [1, 2, 3',
      '{"id": "l", "values": "[1, 2, 3]", "metadata": "{\\"m\\": 1}"}',
      '{"id": "m", "values": {"0": 1}}',
    ];
    const file = path.join(dir, 'lines.jsonl');
    writeFileSync(file, `\uFEFF${lines.join('\n')}\r\n`);
    const { plan, rows } = await planAndRead(file, 'jsonl');
    assert.equal(plan.table, true);
    const direct: ReadRow[] = [];
    for await (const r of jsonlRows(file, { pos: 0, index: 0 })) direct.push(r);
    // Payloads as the store receives them, JSON text (a payload's -0 is written as 0 either way).
    const seen = (r: { index: number; row?: unknown; error?: string; data?: unknown }) =>
      r.error !== undefined
        ? [r.index, r.error, r.data]
        : [r.index, JSON.stringify(outcome(r.row as Record<string, unknown>, 3, true))];
    assert.deepEqual(rows.map(seen), direct.map(seen));
    assert.equal(rows.filter((r) => r.row?.values instanceof Float32Array).length, 4, 'clean vectors come back typed');
    // A chunk that starts after a row reads exactly the rows after it.
    const rest: unknown[] = [];
    for await (const r of readSource(plan, rows[3].next)) rest.push(seen(r));
    assert.deepEqual(rest, direct.slice(4).map(seen));
  });
});
