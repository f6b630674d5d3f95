import type { Request, Response } from 'express';
import { errorMessage } from '../../core/errors.js';
import { boundedLines } from '../../datafiles/lines.js';
import { type ValdOp, type ValdResult, status } from '../../core/vald.js';
import type { StreamRecord } from './journal.js';
import type { ValdService } from './service.js';

// Vald's bidirectional streams over HTTP: an NDJSON request body in, an NDJSON response out, one
// line per request with its index and id and either a location or a status. Lines are applied
// in chunks as they arrive, several chunks at a time, so answers come back out of order; a bad
// line gets its own INVALID_ARGUMENT and the stream goes on. `index` counts request lines from 0
// (as `results` of a Multi call); messages name lines from 1, as import errors do.
const CHUNK_LINES = 500;
const CHUNK_WAIT_MS = 50;
const IN_FLIGHT = 4;
const MAX_LINE = 4 * 1024 * 1024;

export async function handleStream(
  service: ValdService,
  collection: string,
  op: ValdOp,
  req: Request,
  res: Response,
): Promise<void> {
  await service.dimension(collection); // 404 before the stream starts
  const record = await service.openStream(op);
  try {
    await streamLines(service, collection, op, record, req, res);
  } finally {
    // Recorded in Temporal before the response ends, as gRPC streams are.
    await record.close();
  }
  res.end();
}

async function streamLines(
  service: ValdService,
  collection: string,
  op: ValdOp,
  record: StreamRecord,
  req: Request,
  res: Response,
): Promise<void> {
  res.status(200).type('application/x-ndjson');
  const send = (index: number, id: unknown, result: ValdResult) =>
    res.write(JSON.stringify({ index, id: id ?? null, ...result }) + '\n');

  let chunk: { index: number; raw: unknown }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<void>>();
  const flush = async () => {
    clearTimeout(timer);
    if (chunk.length === 0) return;
    const lines = chunk;
    chunk = [];
    while (running.size >= IN_FLIGHT) await Promise.race(running);
    const job = service
      .apply(
        collection,
        op,
        lines.map((l) => l.raw),
        record,
      )
      .then((results) => results.forEach((r, k) => send(lines[k].index, idOf(op, lines[k].raw), r)))
      .catch((err) => lines.forEach((l) => send(l.index, idOf(op, l.raw), status('INTERNAL', errorMessage(err)))))
      .finally(() => running.delete(job));
    running.add(job);
  };

  let index = 0;
  // Lines are capped as they stream in: a body without newlines holds at most MAX_LINE bytes.
  for await (const line of boundedLines(req, MAX_LINE)) {
    const i = index++;
    if ('tooLong' in line) {
      send(
        i,
        null,
        status('INVALID_ARGUMENT', `line ${i + 1} is ${line.bytes} bytes, over the ${MAX_LINE}-byte limit`),
      );
      continue;
    }
    if (!line.text.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line.text);
    } catch (err) {
      send(i, null, status('INVALID_ARGUMENT', `line ${i + 1} is not valid JSON: ${errorMessage(err)}`));
      continue;
    }
    chunk.push({ index: i, raw });
    if (chunk.length >= CHUNK_LINES) await flush();
    else {
      clearTimeout(timer);
      timer = setTimeout(() => void flush(), CHUNK_WAIT_MS);
    }
  }
  await flush();
  await Promise.all(running);
}

function idOf(op: ValdOp, raw: unknown): unknown {
  const r = raw as { vector?: { id?: unknown }; id?: { id?: unknown } } | null;
  return op === 'remove' ? r?.id?.id : r?.vector?.id;
}
