import { execFile } from 'node:child_process';
import { constants, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

// CSV handed to DuckDB through a named pipe while it is still being produced: DuckDB reads and
// writes Parquet on its own threads while the database prints the next page, instead of one
// after the other (each alone is near a core's limit; a backup in series ran at ~0.35× the
// slower of the two).

/**
 * Runs `consume(pipePath)` (a DuckDB statement reading the pipe) while `chunks` are written
 * into the pipe; settles when both have. The producer's error wins over the consumer's (the
 * consumer then only saw a cut-short input); a consumer that fails before opening the pipe
 * does not leave the writer waiting for a reader.
 */
export async function throughPipe<T>(
  chunks: AsyncIterable<Buffer>,
  consume: (pipePath: string) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vecflow-pipe-'));
  const fifo = path.join(dir, 'rows.csv');
  try {
    await promisify(execFile)('mkfifo', ['-m', '600', fifo]);
    const consumed = consume(fifo);
    const unblock = consumed.catch(async (error: unknown) => {
      // Opening a pipe for writing waits for a reader: be that reader, then go away (EPIPE).
      const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
      await reader?.close();
      throw error;
    });
    const [produced, result] = await Promise.allSettled([
      // One chunk read ahead at most: the producer is not run further ahead than DuckDB reads.
      pipeline(Readable.from(chunks, { highWaterMark: 1 }), createWriteStream(fifo)),
      unblock,
    ]);
    if (produced.status === 'rejected' && !isBrokenPipe(produced.reason)) throw produced.reason;
    if (result.status === 'rejected') throw result.reason;
    if (produced.status === 'rejected') throw produced.reason;
    return result.value;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
