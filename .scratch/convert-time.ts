import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeParquet } from '../datafiles/parquet.js';
import { convertExport } from '../datafiles/export-formats.js';
import { duckdb, sqlString } from '../datafiles/duckdb.js';
import { randomVector, rng } from '../test/helpers/data.js';
const N = 50_000, D = 384;
const dir = mkdtempSync(path.join(os.tmpdir(), 'vf-conv-'));
const next = rng(7);
const pts = Array.from({ length: N }, (_, i) => ({ id: `r${i}`, vector: randomVector(D, next), payload: { document_id: `d${i >> 2}`, content: `row ${i} text`, metadata: { category: 'a', rating: i % 5 }, chunk_index: i % 4, chunk_count: 4 }, timestamp: 1n }));
const parts: string[] = [];
let t = performance.now();
for (let s = 0; s < N; s += 20000) {
  const f = path.join(dir, `part-${s}.parquet`);
  async function* b() { for (let k = s; k < Math.min(N, s + 20000); k += 1000) yield pts.slice(k, k + 1000); }
  await writeParquet(f, b(), {});
  parts.push(f);
}
console.log('parts written', Math.round(performance.now() - t), 'ms');
const con = await duckdb();
const list = parts.map(sqlString).join(', ');
await con.run(`CREATE TEMP VIEW src AS SELECT id, vector, payload::JSON AS p FROM read_parquet([${list}])`);
t = performance.now();
await con.runAndReadAll(`SELECT DISTINCT unnest(json_keys(p)) AS k FROM src ORDER BY k LIMIT 210`);
console.log('keys query', Math.round(performance.now() - t), 'ms');
t = performance.now();
await con.runAndReadAll(`SELECT count(*) FROM read_parquet([${list}])`);
console.log('count', Math.round(performance.now() - t), 'ms');
t = performance.now();
await con.runAndReadAll(`SELECT count(payload) FROM read_parquet([${list}])`);
console.log('read payload col', Math.round(performance.now() - t), 'ms');
con.closeSync();
for (const fmt of ['jsonl', 'parquet', 'csv'] as const) {
  t = performance.now();
  await convertExport(parts, path.join(dir, 'out.' + fmt), fmt);
  console.log('convert', fmt, Math.round(performance.now() - t), 'ms');
}
