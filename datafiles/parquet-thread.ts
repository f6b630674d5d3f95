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
import type { PointPage, ThreadConfig, ThreadJob, ThreadMessage, ThreadResult } from './parquet-stream.js';

// A writer thread of `streamParquetPoints`: DuckDB (an instance of its own) writes the Parquet
// file straight from a table function fed page by page by the thread that scans, and the
// content digest is taken here too. DuckDB calls the table function on this thread and waits
// for it, so when no page has arrived yet the function blocks (Atomics.wait) until the scanning
// thread posts one: the Parquet write runs alongside the scan, with no staging table. A thread
// runs one file at a time and is kept for the next (starting one costs ≈ 0.4 s under tsx).
const config = workerData as ThreadConfig;

/** One file being written: its channel, the page being read and what was read so far. */
class FileJob {
  private readonly port: MessagePort;
  private readonly posted: Int32Array;
  private readonly digest = new Digest();
  private page: PointPage | null = null;
  private at = 0;
  private finished = false;
  rows = 0;

  constructor(readonly job: ThreadJob) {
    this.port = job.port as MessagePort;
    this.posted = new Int32Array(job.posted);
  }

  private nextMessage(): ThreadMessage {
    for (;;) {
      const seen = Atomics.load(this.posted, 0);
      const got = receiveMessageOnPort(this.port);
      if (got) return got.message as ThreadMessage;
      Atomics.wait(this.posted, 0, seen, 1000);
    }
  }

  post(result: ThreadResult): void {
    this.port.postMessage(result);
  }

  digestHex(): string {
    return this.job.options.digest ? this.digest.hex() : '';
  }

  /** Makes sure a page with rows left is at hand; false once the pages ended (or were aborted). */
  readPage(info?: DuckDBTableFunctionInfo): boolean {
    while (!this.finished && (!this.page || this.at >= this.page.ids.length)) {
      const m = this.nextMessage();
      if (m.kind === 'abort') {
        info?.setError(m.reason);
        this.finished = true;
      } else if (m.kind === 'end') this.finished = true;
      else {
        this.page = m.page;
        this.at = 0;
      }
    }
    return !this.finished;
  }

  /** Takes rows [at, at + n) of the current page: into the digest, and as read. */
  private take(n: number): void {
    const p = this.page!;
    for (let i = this.at; this.job.options.digest && i < this.at + n; i++) {
      this.digest.add({
        id: p.ids[i],
        vector: p.vectors.subarray(p.offsets[i], p.offsets[i + 1]),
        payload: JSON.parse(p.payloads[i]) as Record<string, unknown>,
      });
    }
    this.at += n;
    this.rows += n;
    this.post({ kind: 'consumed', rows: this.rows });
  }

  /** Takes the rest of the current page (a digest-only job). */
  digestPage(): void {
    this.take(this.page!.ids.length - this.at);
  }

  /** Fills `out` with up to 2,048 rows of the current page; a row count of 0 ends the scan. */
  fill(info: DuckDBTableFunctionInfo, out: DuckDBDataChunk): void {
    if (!this.readPage(info)) {
      out.rowCount = 0;
      return;
    }
    const p = this.page!;
    const at = this.at;
    const n = Math.min(2048, p.ids.length - at);
    out.rowCount = n;
    out.setColumnValues(0, p.ids.slice(at, at + n));
    out.setColumnValues(2, p.payloads.slice(at, at + n));
    out.setColumnValues(3, Array.from(p.timestamps.subarray(at, at + n)));
    // The vectors go into the list's child vector as bytes, in one copy per slice (setting them
    // float by float through the list vector cost ≈ 5× more here).
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
    this.take(n);
  }
}

/** The file being written (one at a time). */
let current: FileJob | null = null;

const db = (async () => {
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: config.memoryLimit,
    threads: '2',
    temp_directory: config.tempDirectory,
  });
  // Registered once, in the instance's catalog: every connection sees them. Both read the same
  // pages; the second names their columns as an import's parsed rows (import-table.ts).
  const con = await instance.connect();
  const pages = (name: string, [text, vector, other, integer]: string[]) =>
    DuckDBTableFunction.create({
      name,
      bindFunction: (bind) => {
        bind.addResultColumn(text, VARCHAR);
        bind.addResultColumn(vector, LIST(FLOAT));
        bind.addResultColumn(other, VARCHAR);
        bind.addResultColumn(integer, BIGINT);
      },
      // Unordered, two of DuckDB's threads write row groups side by side (one wrote
      // 50,000 × 768-d in ≈ 1.9 s, two in ≈ 0.9 s); each calls in here in turn.
      initFunction: (init) => init.setMaxThreads(current?.job.options.ordered ? 1 : 2),
      mainFunction: (info, out) => current!.fill(info, out),
    });
  con.registerTableFunction(pages('vecflow_points', ['id', 'vector', 'payload', 'timestamp']));
  con.registerTableFunction(pages('vecflow_parsed_rows', ['__json', '__vector', '__error', '__line']));
  con.closeSync();
  return instance;
})();

/** A digest-only job: every page read and digested, nothing written. */
function digestOnly(job: ThreadJob): void {
  const file = new FileJob(job);
  while (file.readPage()) file.digestPage();
  // An aborted job's caller has its own error; it only waits for the thread to be free.
  file.post({ kind: 'done', rows: file.rows, bytes: 0, sha256: '', digest: file.digestHex() });
}

async function write(job: ThreadJob): Promise<void> {
  if (!job.file || !job.tmp || !job.sql) return digestOnly(job);
  const file = (current = new FileJob(job));
  const con = await (await db).connect();
  try {
    // Unordered, rows may land in any order within the file (a backup part: its digest and its
    // restore are order-free); kept in order, DuckDB writes from one thread.
    await con.run(`SET preserve_insertion_order = ${job.options.ordered}`);
    await con.run(`COPY (${job.sql.select}) TO ${job.sql.target} (${job.sql.options})`);
    await rename(job.tmp, job.file);
    file.post({
      kind: 'done',
      rows: file.rows,
      bytes: (await stat(job.file)).size,
      sha256: job.options.hash ? await sha256File(job.file) : '',
      digest: file.digestHex(),
    });
  } catch (err) {
    await rm(job.tmp, { force: true });
    file.post({ kind: 'failed', message: (err as Error).message });
  } finally {
    current = null;
    con.closeSync();
  }
}

// Jobs come one at a time: the main side hands a thread a new file only once the last is done.
parentPort!.on('message', (job: ThreadJob) => void write(job));
