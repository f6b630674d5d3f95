import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ValdOp } from '../../core/vald.js';
import { valdWorkflowId } from '../../workflows/ids.js';
import { valdWriteRecordWorkflow } from '../../workflows/index.js';
import type { ApiDeps } from '../deps.js';

// The record of single Vald writes, which the API applies straight to the store (a workflow per
// write would cost ~100 ms). Each applied write is appended to a journal file before it is
// answered — written to the OS at once, so it survives the API process being killed — and the
// journal goes to Temporal in batches, as valdWriteRecordWorkflow runs whose input lists the
// writes (searchable: VecflowKind = 'vald-writes'). A journal left by a process that died is
// sent by the next API to start; workflow ids are the journal names, so sending twice is once.
export interface ValdRecordEntry {
  op: ValdOp;
  collection: string;
  id: string;
  timestamp: string;
  /** OK, or the Vald status the write was answered with. */
  result: string;
}

const FLUSH_EVERY_MS = 250;
const MAX_ENTRIES = 1000;
/** A journal untouched this long belongs to no live writer. */
const ORPHANED_AFTER_MS = 10_000;

export class ValdJournal {
  private readonly dir: string;
  private file: { name: string; fd: number; entries: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

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
      if (s && Date.now() - s.mtimeMs > ORPHANED_AFTER_MS && full !== this.file?.name)
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
      this.file = { name, fd: openSync(name, 'a'), entries: 0 };
    }
    writeSync(this.file.fd, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.file.entries += entries.length;
    if (this.file.entries >= MAX_ENTRIES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
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
        this.send(file.name).catch((err: Error) =>
          this.deps.log.warn(
            { journal: file.name, error: err.message },
            'Vald write record not sent yet; retried at the next start',
          ),
        ),
      );
    }
    return this.flushing;
  }

  private async send(file: string): Promise<void> {
    const text = await readFile(file, 'utf8').catch(() => '');
    const entries = text
      .split('\n')
      .filter((l) => l.trim())
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as ValdRecordEntry];
        } catch {
          return []; // a line cut short by a kill mid-write: that write was never answered
        }
      });
    const journal = path.basename(file, path.extname(file));
    if (entries.length) {
      try {
        await this.deps.temporal.workflow.start(valdWriteRecordWorkflow, {
          workflowId: valdWorkflowId('writes', journal),
          taskQueue: this.deps.config.env.VECFLOW_TASK_QUEUE,
          args: [{ journal, entries }],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    await rm(file, { force: true });
  }
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
