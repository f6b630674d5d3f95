// Splitting a byte stream into records (lines, or CSV records whose quoted fields may hold
// newlines) without ever holding more than `maxBytes` of one: a longer record is skipped to its
// end as it streams by (only its first bytes are kept, for the error report), so a file or
// request body without newlines costs no more memory than a short record. Imports cap records
// at MAX_RECORD_BYTES; Vald streams at 4 MiB (api/vald/stream.ts).
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const HEAD_BYTES = 2000;

export type Line =
  /** A whole line (without its LF or CRLF) and the byte offset just after it. */
  | { text: string; bytes: number; end: number }
  /** A line over the cap: its length, its first bytes, where it ended. */
  | { tooLong: true; bytes: number; head: string; end: number };

/** Finds where records end: the index of the LF that ends one in `chunk` at or after `from`, else -1. */
export interface Splitter {
  next(chunk: Buffer, from: number): number;
}

export const lineSplitter = (): Splitter => ({ next: (chunk, from) => chunk.indexOf(10, from) });

/** RFC 4180 records: an LF inside double quotes (`""` is an escaped quote) does not end one. */
export function csvSplitter(): Splitter {
  let quoted = false; // carried across chunks
  return {
    next(chunk, from) {
      let i = from;
      let nl = -2; // not searched yet
      for (;;) {
        if (quoted) {
          const q = chunk.indexOf(34, i);
          if (q < 0) return -1;
          quoted = false;
          i = q + 1;
          continue;
        }
        if (nl !== -1 && nl < i) nl = chunk.indexOf(10, i);
        const q = chunk.indexOf(34, i);
        if (q >= 0 && (nl < 0 || q < nl)) {
          quoted = true;
          i = q + 1;
          continue;
        }
        return nl;
      }
    },
  };
}

export async function* boundedLines(
  source: AsyncIterable<Buffer>,
  maxBytes: number,
  start = 0,
  splitter: Splitter = lineSplitter(),
): AsyncGenerator<Line> {
  let pos = start;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipped: { bytes: number; head: string } | null = null;

  const finish = (tail: Buffer, newline: number): Line => {
    const bytes = (skipped ? skipped.bytes : pendingBytes) + tail.length;
    pos += bytes + newline;
    let line: Line;
    if (skipped) line = { tooLong: true, bytes, head: skipped.head, end: pos };
    else if (bytes > maxBytes)
      line = { tooLong: true, bytes, head: headOf([...pending, tail.subarray(0, HEAD_BYTES)]), end: pos };
    else
      line = {
        text: Buffer.concat([...pending, tail])
          .toString('utf8')
          .replace(/\r$/, ''),
        bytes,
        end: pos,
      };
    pending = [];
    pendingBytes = 0;
    skipped = null;
    return line;
  };

  for await (const chunk of source) {
    let from = 0;
    for (let nl = splitter.next(chunk, from); nl >= 0; nl = splitter.next(chunk, from)) {
      yield finish(chunk.subarray(from, nl), 1);
      from = nl + 1;
    }
    if (from >= chunk.length) continue;
    const rest = chunk.subarray(from);
    if (skipped) skipped.bytes += rest.length;
    else if (pendingBytes + rest.length > maxBytes) {
      // Over the cap: drop what was held and count the rest of the line as it passes.
      skipped = { bytes: pendingBytes + rest.length, head: headOf([...pending, rest]) };
      pending = [];
      pendingBytes = 0;
    } else {
      // Copy: a stream may reuse its chunk's memory, and a slice would pin the whole chunk.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }
  if (skipped || pendingBytes > 0) yield finish(Buffer.alloc(0), 0);
}

function headOf(parts: Buffer[]): string {
  return Buffer.concat(parts).subarray(0, HEAD_BYTES).toString('utf8');
}
