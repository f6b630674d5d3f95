import { createReadStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { JobFiles } from '../../core/job-files.js';
import { type JobMetrics, recordJob } from '../../core/metrics.js';
import { type ActivityContext, keepAlive } from '../context.js';

export const DEAD_LETTER = 'dead-letter.jsonl';

// What import and export jobs share at their end: the dead-letter file, temporary files, metrics.
export function jobActivities(ctx: ActivityContext) {
  const files = new JobFiles(ctx.config);
  return {
    /**
     * Joins the chunks' dead-letter files (in chunk order) into the job's one file and removes the
     * upload and planning files. Safe to repeat: the joined file appears by rename, last.
     */
    finishImport: (input: { jobId: string; deadLetters: string[]; upload: string }): Promise<string | null> =>
      keepAlive(async () => {
        const dir = files.dir('import', input.jobId);
        const target = path.join(dir, DEAD_LETTER);
        const chunks = await Promise.all(
          [...new Set(input.deadLetters)].sort().map((f) => files.localize(path.join(dir, path.basename(f)), true)),
        );
        const exists = async (f: string) => !!(await stat(f).catch(() => null));
        const complete = (await Promise.all(chunks.map(exists))).every(Boolean);
        // A repeat after the chunks were joined and removed finds the joined file instead.
        if (chunks.length && complete) {
          const tmp = `${target}.tmp`;
          const out = await open(tmp, 'w');
          try {
            for (const c of chunks) for await (const buf of createReadStream(c)) await out.write(buf as Buffer);
          } finally {
            await out.close();
          }
          await rename(tmp, target);
          await files.publish(target);
        }
        // Every chunk left a file (empty without failures); planning left rows.parquet / duplicates.parquet.
        const names = await files.names('import', input.jobId);
        const upload = path.basename(input.upload);
        await files.removeFiles(
          'import',
          input.jobId,
          names.filter(
            (n) => ['rows.parquet', 'duplicates.parquet', upload].includes(n) || /^failed-\d+\.jsonl$/.test(n),
          ),
        );
        return names.includes(DEAD_LETTER) || (await exists(target)) ? target : null;
      }),

    async recordJobMetrics(m: JobMetrics): Promise<void> {
      recordJob(m);
    },
  };
}
