import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { parseFilter } from '../../core/filter.js';
import { JobFiles } from '../../core/job-files.js';
import type { CollectionRef } from '../../core/types.js';
import { convertExport, EXPORT_FILE, type ExportFormat } from '../../datafiles/export-formats.js';
import { datasetFilter, pointToRow } from '../../datafiles/rows.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { resolveWriteTargets, refOf } from '../write-path.js';

const PART = 'export.part.jsonl';
const PAGE = 1000;
const MAX_EXTRA_COLUMNS = 200;

/** Where an export stands: the scan cursor, rows and bytes in the part, every column seen. */
export interface ExportCursor {
  cursor: string | null;
  rows: number;
  bytes: number;
  extras: string[];
  done: boolean;
}

export function exportActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config.dataDir);
  return {
    /** The dataset's blue collection and how many points the export will have. */
    prepareExport: (input: { dataset: string; filters: unknown; limit: number | null }): Promise<{ ref: CollectionRef; total: number }> => keepAlive(async () => {
      const targets = await resolveWriteTargets(ctx, input.dataset);
      const ref = refOf(targets, targets.blue);
      const count = await ctx.store.count(ref, parseFilter(datasetFilter(input.filters)));
      return { ref, total: input.limit === null ? count : Math.min(count, input.limit) };
    }),

    /**
     * Pages through the matching points into a JSONL part file (the seed's columns), heartbeating
     * the cursor and the part's length: a retry truncates the part to it and goes on.
     */
    async exportRows(input: { jobId: string; ref: CollectionRef; filters: unknown; limit: number | null; from: ExportCursor; maxRows: number }): Promise<ExportCursor> {
      const activity = Context.current();
      const filter = parseFilter(datasetFilter(input.filters));
      const part = await files.file('export', input.jobId, PART);
      const state: ExportCursor = { ...((activity.info.heartbeatDetails as ExportCursor | undefined) ?? input.from) };
      const stop = Math.min(input.limit ?? Number.POSITIVE_INFINITY, input.from.rows + input.maxRows);
      await truncate(part, state.bytes).catch(async () => (await open(part, 'w')).close());
      const out = await open(part, 'a');
      const extras = new Set(state.extras);
      const limit = input.limit ?? Number.POSITIVE_INFINITY;
      try {
        while (state.rows < stop) {
          const page = await ctx.store.scan(input.ref, { cursor: state.cursor, limit: Math.min(PAGE, stop - state.rows), withVectors: true, filter });
          const points = page.points.slice(0, limit - state.rows);
          const text = points
            .map((p) => {
              const row = pointToRow(p);
              for (const k of Object.keys(row)) if (extras.size < MAX_EXTRA_COLUMNS) extras.add(k);
              return `${JSON.stringify(row)}\n`;
            })
            .join('');
          await out.write(text);
          state.rows += points.length;
          state.bytes += Buffer.byteLength(text);
          state.cursor = page.next;
          state.extras = [...extras];
          state.done = !page.next || state.rows >= limit;
          activity.heartbeat(state);
          if (state.done) break;
        }
      } finally {
        await out.close();
      }
      return state;
    },

    /** Turns the part into the requested format (whole-file, so a repeat redoes it) and publishes it. */
    finishExport: (input: { jobId: string; format: ExportFormat; columns: string[] }): Promise<{ bytes: number }> => keepAlive(async () => {
      const part = await files.file('export', input.jobId, PART);
      const target = await files.file('export', input.jobId, EXPORT_FILE[input.format]);
      if (!(await stat(part).catch(() => null)) && (await stat(target).catch(() => null))) return { bytes: (await stat(target)).size };
      const tmp = `${target}.tmp`;
      await convertExport(part, tmp, input.format, input.columns);
      await rename(tmp, target);
      await rm(part, { force: true });
      return { bytes: (await stat(target)).size };
    }),
  };
}
