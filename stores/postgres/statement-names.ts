import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// pglite-socket serves every connection from PGlite's one session, so the names clients give
// prepared statements and portals share one namespace: psycopg names its automatic prepared
// statements _pg3_0, _pg3_1, … on every connection, and the second connection to repeat a query
// five times fails with DuplicatePreparedStatement. Here each connection's names are prefixed
// with its handler id as its messages go in (Parse, Bind, Execute, Describe, Close, and the
// DEALLOCATE psycopg sends as a simple query), so every client sees the namespace of a session of
// its own; what a connection prepared is deallocated when it leaves. The unnamed statement and
// portal need nothing: the server's queue gives a connection the session until its Sync.
interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

const prefixOf = (handlerId: number) => `vfc${handlerId}_`;
/** Messages of an extended query that wait for its Sync (or Flush) before they go in. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C']);

/** A NUL-terminated string at `at`: its text and the offset after it. */
function cstring(msg: Buffer, at: number): { text: string; end: number } {
  const nul = msg.indexOf(0, at);
  if (nul < 0) throw new Error('malformed protocol message: unterminated string');
  return { text: msg.toString('utf8', at, nul), end: nul + 1 };
}

/** The message with the strings at the given offsets prefixed (when non-empty), length fixed. */
function withPrefixed(msg: Buffer, offsets: number[], prefix: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  let changed = false;
  for (const at of offsets) {
    if (msg[at] === 0) continue; // unnamed
    parts.push(msg.subarray(from, at), Buffer.from(prefix, 'utf8'));
    from = at;
    changed = true;
  }
  if (!changed) return msg;
  parts.push(msg.subarray(from));
  const out = Buffer.concat(parts);
  out.writeInt32BE(out.length - 1, 1);
  return out;
}

const DEALLOCATE = /^\s*DEALLOCATE\s+(PREPARE\s+)?("?)([A-Za-z_][\w$]*)\2\s*;?\s*$/i;

/** A frontend message with this connection's statement and portal names prefixed. */
export function isolateNames(message: Uint8Array, prefix: string, prepared: Set<string>): Uint8Array {
  const msg = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (msg.length < 6) return message;
  switch (String.fromCharCode(msg[0])) {
    case 'P': {
      // Parse: statement name, query, parameter types.
      const name = cstring(msg, 5).text;
      if (name) prepared.add(prefix + name);
      return withPrefixed(msg, [5], prefix);
    }
    case 'B': // Bind: portal name, statement name, …
      return withPrefixed(msg, [5, cstring(msg, 5).end], prefix);
    case 'E': // Execute: portal name, row limit.
      return withPrefixed(msg, [5], prefix);
    case 'D': // Describe / Close: 'S' or 'P', then the name.
    case 'C': {
      if (msg[0] === 0x43 && msg[5] === 0x53) prepared.delete(prefix + cstring(msg, 6).text);
      return withPrefixed(msg, [6], prefix);
    }
    case 'Q': {
      const sql = cstring(msg, 5).text;
      const m = DEALLOCATE.exec(sql);
      if (!m || m[3].toUpperCase() === 'ALL') return message;
      prepared.delete(prefix + m[3]);
      return queryMessage(`DEALLOCATE ${quote(prefix + m[3])}`);
    }
    default:
      return message;
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A simple-query ('Q') message. */
function queryMessage(sql: string): Buffer {
  const out = Buffer.alloc(1 + 4 + Buffer.byteLength(sql) + 1);
  out.write('Q', 0);
  out.writeInt32BE(out.length - 1, 1);
  out.write(sql, 5);
  return out;
}

/** Gives each connection of the server its own statement and portal names (see above). */
export function isolateStatementNames(server: PGLiteSocketServer, db: PGlite): void {
  const queue = (server as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (!queue || typeof queue.enqueue !== 'function' || typeof queue.clearTransactionIfNeeded !== 'function')
    throw new Error('pglite-socket changed: its query queue is not where vecflow expects it (see statement-names.ts)');
  const preparedBy = new Map<number, Set<string>>();
  const pendingBy = new Map<number, Uint8Array[]>();
  const enqueue = queue.enqueue.bind(queue);
  const clear = queue.clearTransactionIfNeeded.bind(queue);
  queue.enqueue = (handlerId, message, onData) => {
    let prepared = preparedBy.get(handlerId);
    if (!prepared) preparedBy.set(handlerId, (prepared = new Set()));
    const isolated = isolateNames(message, prefixOf(handlerId), prepared);
    // An extended-query sequence (Parse … up to Sync or Flush) goes to PGlite as one piece, so no
    // other connection's message (nor the bulk path) can run between its Parse and its Execute.
    const kind = String.fromCharCode(message[0]);
    if (EXTENDED.has(kind)) {
      const pending = pendingBy.get(handlerId) ?? [];
      pending.push(isolated);
      pendingBy.set(handlerId, pending);
      return Promise.resolve(0);
    }
    const pending = pendingBy.get(handlerId);
    pendingBy.delete(handlerId);
    return enqueue(handlerId, pending ? Buffer.concat([...pending, isolated]) : isolated, onData);
  };
  // Called when a connection goes: what it prepared goes with it.
  queue.clearTransactionIfNeeded = async (handlerId) => {
    await clear(handlerId);
    const prepared = preparedBy.get(handlerId);
    preparedBy.delete(handlerId);
    pendingBy.delete(handlerId);
    // Through the queue, like any message: it waits for a transaction in progress to end.
    if (prepared?.size && !db.closed)
      await enqueue(
        handlerId,
        queryMessage([...prepared].map((n) => `DEALLOCATE ${quote(n)};`).join(' ')),
        () => {},
      ).catch(() => undefined);
  };
}
