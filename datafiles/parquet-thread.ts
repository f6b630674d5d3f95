import { rename, rm, stat } from 'node:fs/promises';
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import duckdbBindings from '@duckdb/node-bindings';
import {
  BIGINT,
  type DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTableFunction,
  type DuckDBTableFunctionInfo,
  FLOAT,
  LIST,
  VARCHAR,
} from '@duckdb/node-api';
import { Digest } from './digest.js';
import { sha256File } from './parquet.js';
import type { PointPage, ThreadInput, ThreadMessage, ThreadResult } from './parquet-stream.js';

// The writer thread of `streamParquetPoints`: DuckDB (an instance of its own) writes the
// Parquet file straight from a table function fed page by page by the thread that scans, and
// the content digest is taken here too. DuckDB calls the table function on this thread and
// waits for it, so when no page has arrived yet the function blocks (Atomics.wait) until the
// scanning thread posts one: the Parquet write runs alongside the scan, with no staging table.
const input = workerData as ThreadInput;
const port = input.port as MessagePort;
const posted = new Int32Array(input.posted);
const digest = new Digest();

function nextMessage(): ThreadMessage {
  for (;;) {
    const seen = Atomics.load(posted, 0);
    const got = receiveMessageOnPort(port);
    if (got) return got.message as ThreadMessage;
    Atomics.wait(posted, 0, seen, 1000);
  }
}

let page: PointPage | null = null;
let at = 0;
let finished = false;
let rows = 0;

/** Fills `out` with up to 2,048 rows of the current page; a row count of 0 ends the scan. */
function fill(info: DuckDBTableFunctionInfo, out: DuckDBDataChunk): void {
  if (!finished && (!page || at >= page.ids.length)) {
    const m = nextMessage();
    if (m.kind === 'abort') {
      info.setError(m.reason);
      finished = true;
    } else if (m.kind === 'end') finished = true;
    else {
      page = m.page;
      at = 0;
    }
  }
  if (finished || !page) {
    out.rowCount = 0;
    return;
  }
  const p = page;
  const n = Math.min(2048, p.ids.length - at);
  out.rowCount = n;
  out.setColumnValues(0, p.ids.slice(at, at + n));
  out.setColumnValues(2, p.payloads.slice(at, at + n));
  out.setColumnValues(3, Array.from(p.timestamps.subarray(at, at + n)));
  // The vectors go into the list's child vector as bytes, in one copy per page slice (setting
  // them float by float through the list vector cost ≈ 5× more here).
  const list = duckdbBindings.data_chunk_get_vector(out.chunk, 1);
  const entries = new BigUint64Array(n * 2);
  const first = p.offsets[at];
  for (let i = 0; i < n; i++) {
    entries[2 * i] = BigInt(p.offsets[at + i] - first);
    entries[2 * i + 1] = BigInt(p.offsets[at + i + 1] - p.offsets[at + i]);
  }
  const floats = p.offsets[at + n] - first;
  duckdbBindings.list_vector_reserve(list, floats);
  duckdbBindings.list_vector_set_size(list, floats);
  const bytes = p.vectors.subarray(first, first + floats);
  const child = duckdbBindings.list_vector_get_child(list);
  duckdbBindings.copy_data_to_vector(child, 0, bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  duckdbBindings.copy_data_to_vector(list, 0, entries.buffer, 0, entries.byteLength);
  for (let i = at; input.options.digest && i < at + n; i++) {
    digest.add({
      id: p.ids[i],
      vector: p.vectors.subarray(p.offsets[i], p.offsets[i + 1]),
      payload: JSON.parse(p.payloads[i]) as Record<string, unknown>,
    });
  }
  at += n;
  rows += n;
  parentPort!.postMessage({ kind: 'consumed', rows } satisfies ThreadResult);
}

async function main(): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: input.memoryLimit,
    threads: '2',
    temp_directory: input.tempDirectory,
    // Unordered, rows may land in any order within the file (a backup part: its digest and its
    // restore are order-free); kept in order, DuckDB writes from one thread.
    preserve_insertion_order: String(input.options.ordered),
  });
  const con = await db.connect();
  try {
    con.registerTableFunction(
      DuckDBTableFunction.create({
        name: 'vecflow_points',
        bindFunction: (bind) => {
          bind.addResultColumn('id', VARCHAR);
          bind.addResultColumn('vector', LIST(FLOAT));
          bind.addResultColumn('payload', VARCHAR);
          bind.addResultColumn('timestamp', BIGINT);
        },
        // Unordered, two of DuckDB's threads write row groups side by side (one
        // wrote 50,000 × 768-d in ≈ 1.9 s, two in ≈ 0.9 s); each calls in here in turn.
        initFunction: (init) => init.setMaxThreads(input.options.ordered ? 1 : 2),
        mainFunction: fill,
      }),
    );
    await con.run(`COPY (SELECT * FROM vecflow_points()) TO ${input.sql.target} (${input.sql.options})`);
    await rename(input.tmp, input.file);
    const result: ThreadResult = {
      kind: 'done',
      rows,
      bytes: (await stat(input.file)).size,
      sha256: input.options.hash ? await sha256File(input.file) : '',
      digest: input.options.digest ? digest.hex() : '',
    };
    parentPort!.postMessage(result);
  } catch (err) {
    await rm(input.tmp, { force: true });
    parentPort!.postMessage({ kind: 'failed', message: (err as Error).message } satisfies ThreadResult);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

await main();
