import { createReadStream } from 'node:fs';

// A JSON array file turned into JSON Lines, one element per line, in one streaming pass over its
// bytes — no element is parsed here. Imports then read it as they read JSONL: with bounded
// memory and one row error per bad element, instead of DuckDB holding the whole document
// (≈ 0.7 GB for a 216 MB array) and refusing the file for one bad element.
// Whitespace between tokens (newlines included) becomes a space; a raw line break inside a
// string — never valid JSON — becomes U+0001, so its row is still reported as invalid JSON.

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const BOM = [0xef, 0xbb, 0xbf];
/** What matters inside a string, inside a nested value, and at an element's top level. */
const IN_STRING = /["\\\n\r]/g;
const NESTED = /["[\]{}\n\r]/g;
const TOP = /["[\]{},\n\r]/g;
/** The byte after a backslash, as is — but a line break (invalid there too) must not split the line. */
const escapedByte = (b: number) => (b === LF || b === CR ? 1 : b);
const isSpace = (b: number) => b === 32 || b === 9 || b === LF || b === CR;

/** Where the splitter stands; carried across chunks. */
type Where = 'before' | 'expect-element' | 'element' | 'after';

export class JsonArraySplitter {
  private where: Where = 'before';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private offset = 0;
  /** Elements completed so far. */
  elements = 0;

  private fail(what: string, at: number): never {
    throw new Error(`not a JSON array: ${what} at byte ${this.offset + at}`);
  }

  /** The JSON Lines bytes of this chunk of the array. */
  push(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length + 1);
    // One character per byte, so a match's index is a byte offset; the regexps jump over the
    // bytes that need nothing (the digits and commas of vectors are most of a file).
    const text = chunk.toString('latin1');
    let n = 0;
    let i = 0;
    if (this.escaped && this.where === 'element' && chunk.length > 0) {
      out[n++] = escapedByte(chunk[i++]); // after a backslash that ended the last chunk
      this.escaped = false;
    }
    while (i < chunk.length) {
      if (this.where !== 'element') {
        i = this.between(chunk, i);
        continue;
      }
      const re = this.inString ? IN_STRING : this.depth > 0 ? NESTED : TOP;
      re.lastIndex = i;
      const at = re.exec(text)?.index ?? chunk.length;
      n += chunk.copy(out, n, i, at);
      if (at === chunk.length) break;
      const b = chunk[at];
      i = at + 1;
      if (b === LF || b === CR) out[n++] = this.inString ? 1 : 32;
      else if (this.inString) {
        out[n++] = b;
        if (b === QUOTE) this.inString = false;
        else if (i < chunk.length)
          out[n++] = escapedByte(chunk[i++]); // a backslash and the byte it escapes
        else this.escaped = true;
      } else if (b === QUOTE) {
        out[n++] = b;
        this.inString = true;
      } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
        out[n++] = b;
        this.depth++;
      } else if (this.depth > 0) {
        out[n++] = b; // ] or }
        this.depth--;
      } else {
        // At the element's top level: a comma or the array's ] ends it.
        if (b === CLOSE_OBJECT) this.fail('an unmatched }', at);
        this.endElement();
        out[n++] = LF;
        this.where = b === COMMA ? 'expect-element' : 'after';
      }
    }
    this.offset += chunk.length;
    return out.subarray(0, n);
  }

  /** Outside an element (before the array, between elements, after it): one byte; the next position. */
  private between(chunk: Buffer, i: number): number {
    const b = chunk[i];
    if (isSpace(b)) return i + 1;
    // A byte-order mark opens the file (whatever chunks it is cut into): skipped.
    if (this.where === 'before' && this.offset + i < 3 && b === BOM[this.offset + i]) return i + 1;
    if (this.where === 'before') {
      if (b !== OPEN_ARRAY) this.fail(`it starts with ${JSON.stringify(String.fromCharCode(b))}`, i);
      this.where = 'expect-element';
    } else if (this.where === 'after') {
      this.fail('text after the closing ]', i);
    } else if (b === CLOSE_ARRAY && this.elements === 0) {
      this.where = 'after'; // []
    } else if (b === COMMA || b === CLOSE_ARRAY) {
      this.fail(`an empty element before ${String.fromCharCode(b)}`, i);
    } else {
      this.where = 'element';
      this.depth = 0;
      return i; // the element's first byte, read again as part of it
    }
    return i + 1;
  }

  private endElement(): void {
    this.elements++;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Throws unless the array was closed. */
  end(): void {
    if (this.where === 'before') throw new Error('not a JSON array: the file is empty');
    if (this.where !== 'after') throw new Error(`not a JSON array: it ends before its closing ] (byte ${this.offset})`);
  }
}

/**
 * The elements of the JSON array in `source` as JSON Lines, one per line, chunk by chunk (never
 * the whole file); throws where the file stops being one array.
 */
export async function* jsonArrayLines(source: string): AsyncGenerator<Buffer> {
  const splitter = new JsonArraySplitter();
  for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    yield splitter.push(chunk);
  splitter.end();
}
