import { open, truncate } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { VecflowError, errorMessage } from '../../core/errors.js';
import { JobFiles } from '../../core/job-files.js';
import { nowNs } from '../../core/time.js';
import type { Point } from '../../core/types.js';
import { EmbedderError } from '../../embedders/port.js';
import type { Cursor } from '../../datafiles/readers.js';
import { RowError, rowToPoint } from '../../datafiles/rows.js';
import { loadDuplicates } from '../../datafiles/duplicates.js';
import { type SourcePlan, readSource } from '../../datafiles/sources.js';
import type { ActivityContext } from '../context.js';
import { pointText } from '../reindex/points.js';
import { type TargetWrite, resolveWriteTargets, writeToTargets } from '../write-path.js';

export interface ImportCounts {
  processed: number;
  successful: number;
  failed: number;
  skipped: number;
}

/** A failed row as the status shows it: `row` (or `line` for JSONL), the reason, the data. */
export type RowFailure = { row?: number; line?: number; error: string; data: unknown };

export interface ImportChunkInput {
  jobId: string;
  chunk: number;
  plan: SourcePlan;
  dataset: string;
  dimension: number;
  embeds: boolean;
  skipExisting: boolean;
  batchSize: number;
  from: Cursor;
  rows: number;
  /** How many failures this chunk may still list (the job's list is capped). */
  maxErrors: number;
}

export interface ImportChunkResult extends ImportCounts {
  next: Cursor;
  done: boolean;
  errors: RowFailure[];
  /** This chunk's dead-letter file, when a row failed. */
  deadLetter: string | null;
}

interface Checkpoint extends ImportChunkResult {
  deadBytes: number;
}

/** A row as its report shows it: a vector read as a typed array (table-rows.ts) as a JSON array. */
function jsonRow(data: unknown): unknown {
  const values = (data as { values?: unknown } | null)?.values;
  return values instanceof Float32Array || values instanceof Float64Array
    ? { ...(data as object), values: Array.from(values) }
    : data;
}

/** A row for the status list: long vectors shortened (the dead-letter file keeps everything). */
function shortData(data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return data;
  const values = (data as { values?: unknown }).values;
  if (Array.isArray(values) && values.length > 8)
    return { ...data, values: [...values.slice(0, 3), `… ${values.length - 3} more`] };
  return data;
}

/** Vectors for rows that gave only `content`, embedded by the dataset's model; failures per row. */
async function embedContent(
  ctx: ActivityContext,
  model: string,
  rows: PendingRow[],
  fail: (r: PendingRow, error: string) => void,
): Promise<PendingRow[]> {
  const todo = rows.filter((r) => r.point.vector.length === 0);
  if (todo.length === 0) return rows;
  const embedder = ctx.embedders.get(model);
  const texts = todo.map((r) => String(r.point.payload.content));
  try {
    const vectors = await embedder.embed(texts);
    todo.forEach((r, i) => (r.point.vector = vectors[i]));
    return rows;
  } catch (err) {
    if (!(err instanceof EmbedderError) || err.retryable) throw err;
  }
  for (const r of todo) {
    try {
      [r.point.vector] = await embedder.embed([String(r.point.payload.content)]);
    } catch (err) {
      if (err instanceof EmbedderError && err.retryable) throw err;
      fail(r, `Embedding failed: ${errorMessage(err)}`);
    }
  }
  return rows.filter((r) => r.point.vector.length > 0);
}

interface PendingRow {
  index: number;
  point: Point;
  data: unknown;
}

export function importChunkActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config);
  return {
    /**
     * Imports up to `rows` rows from a cursor, writing batches through the write path. After
     * every batch it heartbeats a checkpoint (cursor, counts, dead-letter length): a retry
     * truncates the dead-letter file to it and continues, so no row is lost or counted twice
     * (a batch written again is an overwrite of the same data).
     */
    async importChunk(input: ImportChunkInput): Promise<ImportChunkResult> {
      const activity = Context.current();
      const deadLetter = await files.file(
        'import',
        input.jobId,
        `failed-${String(input.chunk).padStart(6, '0')}.jsonl`,
      );
      const resumed = activity.info.heartbeatDetails as Checkpoint | undefined;
      const state: Checkpoint = resumed ?? {
        next: input.from,
        done: false,
        processed: 0,
        successful: 0,
        failed: 0,
        skipped: 0,
        errors: [],
        deadLetter: null,
        deadBytes: 0,
      };
      // A resumed chunk continues the dead letters its checkpoint counted (published with it).
      if (resumed) await files.localize(deadLetter, false);
      const plan = {
        ...input.plan,
        file: await files.localize(input.plan.file, true),
        duplicatesFile: input.plan.duplicatesFile && (await files.localize(input.plan.duplicatesFile, true)),
      };
      await truncate(deadLetter, state.deadBytes).catch(async () => (await open(deadLetter, 'w')).close());
      const out = await open(deadLetter, 'a');
      const duplicates = await loadDuplicates(plan.duplicatesFile, state.next.index, input.rows - state.processed);
      const targets = await resolveWriteTargets(ctx, input.dataset);
      const key = input.plan.indexName;
      let pending: PendingRow[] = [];
      let lines: string[] = [];

      const fail = (index: number, error: string, row: unknown) => {
        const data = jsonRow(row);
        state.failed++;
        lines.push(JSON.stringify({ [key]: index, error, data }));
        if (state.errors.length < input.maxErrors) state.errors.push({ [key]: index, error, data: shortData(data) });
      };
      const writeRows = async (rows: PendingRow[], timestamp: bigint) => {
        // A running reindex's destination gets the text its own scan would embed (pointText).
        const writes: TargetWrite[] = rows.map((r) => ({
          point: { ...r.point, timestamp },
          text: pointText(ctx, input.dataset, r.point) || undefined,
        }));
        const outcome = await writeToTargets(ctx, targets, writes, input.skipExisting ? 'absent' : 'overwrite');
        // Written to blue but not to a reindex destination: reported, as task items are.
        for (const r of rows) {
          const missing = outcome.targetErrors.get(r.point.id);
          if (missing) fail(r.index, `Written, but not to the reindex destination: ${missing}`, r.data);
        }
        state.successful += outcome.written.length - rows.filter((r) => outcome.targetErrors.has(r.point.id)).length;
        state.skipped += outcome.skipped.length;
      };
      const flush = async (next: Cursor) => {
        const rows = await embedContent(ctx, targets.blue.model, pending, (r, e) => fail(r.index, e, r.data));
        const timestamp = nowNs();
        try {
          if (rows.length) await writeRows(rows, timestamp);
        } catch (err) {
          // A store refusing the batch (4xx): find the rows it refuses, keep the others.
          if (!(err instanceof VecflowError) || err.status >= 500) throw err;
          for (const r of rows)
            await writeRows([r], timestamp).catch((e) =>
              e instanceof VecflowError && e.status < 500
                ? fail(r.index, `Store refused the row: ${e.message}`, r.data)
                : Promise.reject(e),
            );
        }
        const text = lines.map((l) => `${l}\n`).join('');
        if (text) {
          await out.write(text);
          await files.publish(deadLetter);
        }
        state.deadBytes += Buffer.byteLength(text);
        state.next = next;
        state.deadLetter = state.failed ? deadLetter : null;
        pending = [];
        lines = [];
        checkpoint = JSON.parse(JSON.stringify(state)) as Checkpoint;
        activity.heartbeat(checkpoint);
      };

      // Slow batches (a remote embedder) still beat: the last checkpoint, every few seconds.
      let checkpoint = JSON.parse(JSON.stringify(state)) as Checkpoint;
      const beat = setInterval(() => activity.heartbeat(checkpoint), 5_000);
      try {
        let last: Cursor = state.next;
        for await (const r of readSource(plan, state.next, input.rows - state.processed)) {
          state.processed++;
          last = r.next;
          if ('error' in r) fail(r.index, r.error, r.data);
          else {
            try {
              const point = rowToPoint(r.row, input.dimension, 0n, { allowContentOnly: input.embeds });
              const first = duplicates.get(r.index);
              if (first !== undefined)
                throw new RowError(`Duplicate id ${JSON.stringify(point.id)} in the file (first at ${key} ${first})`);
              pending.push({ index: r.index, point, data: r.row });
            } catch (err) {
              if (!(err instanceof RowError)) throw err;
              fail(r.index, err.message, r.row);
            }
          }
          if (pending.length >= input.batchSize || lines.length >= input.batchSize) await flush(last);
          if (state.processed >= input.rows) break;
        }
        await flush(last);
        await files.publish(deadLetter); // every chunk leaves its file, empty without failures
        // Fewer rows than asked for (or none): the source is exhausted.
        state.done = state.processed < input.rows;
        const { deadBytes: _d, ...result } = state;
        return result;
      } finally {
        clearInterval(beat);
        await out.close();
      }
    },
  };
}
