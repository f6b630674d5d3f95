import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { COLLECTION, KIND, STATUS } from '../../core/search-attributes.js';
import type { ValdOp } from '../../core/vald.js';
import { valdWorkflowId } from '../../workflows/ids.js';
import { valdWriteRecordWorkflow } from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';

// The record of the Vald writes the API applies straight to the store (a workflow that applies
// them would cost a round trip of ~60 ms per request). Each applied write is appended to a
// journal file before it is answered — written to the OS at once, so it survives the API process
// being killed — and goes to Temporal as valdWriteRecordWorkflow runs whose input lists the
// writes: single writes in batches (VecflowKind = 'vald-writes'); each Multi request as
// workflows of its own, started before it is answered, and each stream as workflows of up to
// MAX_ENTRIES writes (VecflowKind = 'vald-<op>'). A journal left by a process that died is sent
// by the next API to start; workflow ids come from the journal names, so sending twice is once.
export interface ValdRecordEntry {
  op: ValdOp;
  collection: string;
  id: string;
  timestamp: string;
  /** OK, or the Vald status the write was answered with. */
  result: string;
}

const FLUSH_EVERY_MS = 250;
/** Entries per record workflow: ~100 KB of input, well under Temporal's payload limits. */
const MAX_ENTRIES = 1000;
/** Journals of batches are named after their workflow id (vald-<op>-<uuid>); single writes' are not. */
const BATCH_PREFIX = 'vald-';
/** A journal untouched this long belongs to no live writer. */
const ORPHANED_AFTER_MS = 10_000;

export class ValdJournal {
  private readonly dir: string;
  private file: { name: string; fd: number; entries: ValdRecordEntry[] } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  /** Journals of streams still being written: never orphans, however long a stream idles. */
  private readonly streaming = new Set<string>();

  constructor(private readonly deps: ApiDeps) {
    this.dir = path.join(deps.config.dataDir, 'vald-journal');
  }

  /** Sends the journals of writers that are gone: now, and every ORPHANED_AFTER_MS. */
  async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), ORPHANED_AFTER_MS);
    this.sweeper.unref();
  }

  private async sweep(): Promise<void> {
    for (const name of await readdir(this.dir).catch(() => [])) {
      const full = path.join(this.dir, name);
      const s = await stat(full).catch(() => null);
      if (s && Date.now() - s.mtimeMs > ORPHANED_AFTER_MS && full !== this.file?.name && !this.streaming.has(full))
        await this.send(full).catch((err: Error) =>
          this.deps.log.warn({ journal: full, error: err.message }, 'Vald write record not sent yet; retried later'),
        );
    }
  }

  /** Appends applied writes; they reach Temporal within FLUSH_EVERY_MS. */
  record(entries: ValdRecordEntry[]): void {
    if (entries.length === 0) return;
    if (!this.file) {
      const name = path.join(this.dir, `${Date.now()}-${randomUUID()}.jsonl`);
      this.file = { name, fd: openSync(name, 'a'), entries: [] };
    }
    writeSync(this.file.fd, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.file.entries.push(...entries);
    if (this.file.entries.length >= MAX_ENTRIES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /**
   * Records one batch of applied writes (a Multi request) as workflows of its own, started
   * before this returns; if Temporal cannot be reached the journal stays and is sent by the sweep.
   */
  async recordBatch(op: ValdOp, entries: ValdRecordEntry[]): Promise<void> {
    const batch = this.openStream(op);
    batch.record(entries);
    await batch.close();
  }

  /**
   * The record of one stream: its writes are appended as they are applied (before they are
   * answered) and go to Temporal as workflows of their own, one per MAX_ENTRIES writes and one for
   * the rest when the stream closes — not one per chunk, which would cost Temporal a workflow per
   * few hundred writes.
   */
  openStream(op: ValdOp): StreamRecord {
    // The file is for a crash; a live stream sends what it wrote from memory (no re-read).
    let file: { name: string; fd: number; entries: ValdRecordEntry[] } | null = null;
    let sent: Promise<void> = Promise.resolve();
    const rotate = () => {
      if (!file) return;
      const { name, fd, entries } = file;
      file = null;
      closeSync(fd);
      sent = sent.then(() =>
        this.send(name, entries)
          .catch((err: Error) =>
            this.deps.log.warn({ journal: name, error: err.message }, 'Vald write record not sent yet; retried later'),
          )
          .finally(() => this.streaming.delete(name)),
      );
    };
    return {
      record: (entries) => {
        for (let at = 0; at < entries.length;) {
          if (!file) {
            const name = path.join(this.dir, `${valdWorkflowId(op, randomUUID())}.jsonl`);
            this.streaming.add(name);
            file = { name, fd: openSync(name, 'a'), entries: [] };
          }
          const part = entries.slice(at, at + MAX_ENTRIES - file.entries.length);
          writeSync(file.fd, part.map((e) => JSON.stringify(e)).join('\n') + '\n');
          file.entries.push(...part);
          at += part.length;
          if (file.entries.length >= MAX_ENTRIES) rotate();
        }
      },
      close: () => {
        rotate();
        return sent;
      },
    };
  }

  /** Stops sweeping for orphans and sends what the journal holds (shutdown). */
  close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    return this.flush();
  }

  /** Closes the current journal and sends it (the next write starts a new one). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const file = this.file;
    this.file = null;
    if (file) {
      closeSync(file.fd);
      this.flushing = this.flushing.then(() =>
        this.send(file.name, file.entries).catch((err: Error) =>
          this.deps.log.warn(
            { journal: file.name, error: err.message },
            'Vald write record not sent yet; retried at the next start',
          ),
        ),
      );
    }
    return this.flushing;
  }

  /** A journal file's entries; a line cut short by a kill mid-write was never answered, so it is skipped. */
  private async read(file: string): Promise<ValdRecordEntry[]> {
    const text = await readFile(file, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as ValdRecordEntry];
        } catch {
          return [];
        }
      });
  }

  /** Starts the record workflow of a journal file (its `entries` when the caller has them), then removes it. */
  private async send(file: string, known?: ValdRecordEntry[]): Promise<void> {
    const entries = known ?? (await this.read(file));
    const journal = path.basename(file, path.extname(file));
    const kind = journal.startsWith(BATCH_PREFIX) ? `vald-${entries[0]?.op}` : 'vald-writes';
    if (entries.length) {
      try {
        await this.deps.temporal.workflow.start(valdWriteRecordWorkflow, {
          workflowId: kind === 'vald-writes' ? valdWorkflowId('writes', journal) : journal,
          taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
          args: [{ journal, entries, labelledAtStart: true, ...(kind === 'vald-writes' ? {} : { kind }) }],
          // Labelled at start: the record is searchable as soon as the write is answered.
          typedSearchAttributes: [
            { key: KIND, value: kind },
            { key: COLLECTION, value: [...new Set(entries.map((e) => e.collection))].sort().join(',') },
            { key: STATUS, value: 'done' },
          ],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    await rm(file, { force: true });
  }
}

export interface StreamRecord {
  record(entries: ValdRecordEntry[]): void;
  /** Sends what is left; resolves once every part was sent (or left for the sweep). */
  close(): Promise<void>;
}

const journals = new Map<ApiDeps, Promise<ValdJournal>>();

/** The journal of an API (one per set of dependencies), its orphans recovered first. */
export function valdJournal(deps: ApiDeps): Promise<ValdJournal> {
  let j = journals.get(deps);
  if (!j) {
    const journal = new ValdJournal(deps);
    j = journal.recover().then(() => journal);
    journals.set(deps, j);
  }
  return j;
}

/** Sends what the API's journal holds; for shutdown. */
export async function closeValdJournal(deps: ApiDeps): Promise<void> {
  const j = journals.get(deps);
  journals.delete(deps);
  if (j) await (await j).close();
}
