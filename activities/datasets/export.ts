import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseFilter } from '../../core/filter.js';
import { JobFiles } from '../../core/job-files.js';
import type { CollectionRef, Point } from '../../core/types.js';
import { EXPORT_FILE, type ExportFormat, convertExport } from '../../datafiles/export-formats.js';
import { streamParquetPoints } from '../../datafiles/parquet-stream.js';
import { datasetFilter } from '../../datafiles/rows.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { refOf, resolveWriteTargets } from '../write-path.js';

// Scan pages of 2,000: the embedded store scans 50,000 × 768-d at ≈ 1.25× the rate of pages of
// 1,000 (fewer COPY calls) and 1.5–1.9× that of pages of 5,000 (measured; larger blobs cost more).
const PAGE = 2000;
/**
 * Parts: `part-NNNNNN-1.parquet` (and its `-2` half, written until 2026-12-03; one per activity
 * before 2026-12-02: `part-NNNNNN.parquet`).
 */
const PART = /^part-\d{6}(-[12])?\.parquet$/;

/** Where an export stands: the scan cursor, rows written, the next part number. */
export interface ExportCursor {
  cursor: string | null;
  rows: number;
  part: number;
  done: boolean;
}

export function exportActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config);
  return {
    /** The dataset's blue collection and how many points the export will have. */
    prepareExport: (input: {
      dataset: string;
      filters: unknown;
      limit: number | null;
    }): Promise<{ ref: CollectionRef; total: number }> =>
      keepAlive(async () => {
        const targets = await resolveWriteTargets(ctx, input.dataset);
        const ref = refOf(targets, targets.blue);
        const count = await ctx.store.count(ref, parseFilter(datasetFilter(input.filters)));
        return { ref, total: input.limit === null ? count : Math.min(count, input.limit) };
      }),

    /**
     * Pages up to `maxRows` matching points from a cursor into a Parquet part (the backup's
     * layout: id, vector, payload, timestamp). A part appears by rename when complete, so a
     * retry simply writes it again from the same cursor.
     */
    exportRows: (input: {
      jobId: string;
      ref: CollectionRef;
      filters: unknown;
      limit: number | null;
      from: ExportCursor;
      maxRows: number;
    }): Promise<ExportCursor> =>
      keepAlive(async () => {
        const filter = parseFilter(datasetFilter(input.filters));
        const limit = input.limit ?? Number.POSITIVE_INFINITY;
        const stop = Math.min(limit, input.from.rows + input.maxRows);
        const at: ExportCursor = { ...input.from, part: input.from.part + 1 };
        async function* pages(until: number): AsyncGenerator<Point[]> {
          while (at.rows < until && !at.done) {
            const page = await ctx.store.scan(input.ref, {
              cursor: at.cursor,
              limit: Math.min(PAGE, until - at.rows),
              withVectors: true,
              filter,
            });
            const points = page.points.slice(0, until - at.rows);
            at.rows += points.length;
            at.cursor = page.next;
            at.done = !page.next || at.rows >= limit;
            yield points;
          }
        }
        const name = (half: number) => `part-${String(input.from.part).padStart(6, '0')}-${half}.parquet`;
        const part = await files.file('export', input.jobId, name(1));
        // In order, on a thread of its own while this one scans (see streamParquetPoints).
        await streamParquetPoints(
          part,
          pages(stop),
          { vecflow_export: input.jobId },
          { ordered: true, digest: false, hash: false },
        );
        // Parts were written in two halves before: an earlier attempt's second half must not stay.
        await files.removeFiles('export', input.jobId, [name(2)]);
        await files.publish(part);
        return at;
      }),

    /** Turns the parts into the requested format (whole file, so a repeat redoes it) and publishes it. */
    finishExport: (input: { jobId: string; format: ExportFormat }): Promise<{ bytes: number }> =>
      keepAlive(async () => {
        const target = await files.file('export', input.jobId, EXPORT_FILE[input.format]);
        const dir = path.dirname(target);
        // The parts may come from several workers: each one's copy, through the job storage.
        const names = (await files.names('export', input.jobId)).filter((n) => PART.test(n));
        const parts = await Promise.all(names.map((n) => files.localize(path.join(dir, n), true)));
        if (parts.length === 0) {
          const done = await files.localize(target, true);
          if (await stat(done).catch(() => null)) return { bytes: (await stat(done)).size };
        }
        const tmp = `${target}.tmp`;
        await convertExport(parts, tmp, input.format);
        await rename(tmp, target);
        await files.publish(target);
        await files.removeFiles('export', input.jobId, names);
        return { bytes: (await stat(target)).size };
      }),
  };
}
