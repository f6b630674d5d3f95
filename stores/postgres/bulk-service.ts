import http from 'node:http';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobResult, BlobStatement, EmbeddedBulkAccess, EmbeddedPostgres } from './embedded.js';

// The embedded store's bulk path for processes that do not own PGlite (several workers sharing
// the store process): the owner serves `runBlob` on a Unix socket beside Postgres's own, so a
// worker's binary COPY still runs in the owning process. Only local processes that may open the
// Postgres socket (same directory, same permissions) reach it — and they can run any SQL already.
// Wire format, both ways: u32 header length, JSON header, then the blobs back to back.
export const BULK_SOCKET = '.s.vecflow-bulk';
const PG_ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'table', 'column', 'constraint', 'where'] as const;

function frame(header: unknown, blobs: (Uint8Array | undefined)[]): Buffer {
  const json = Buffer.from(JSON.stringify(header, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([len, json, ...blobs.filter((b): b is Uint8Array => b !== undefined)]);
}

function unframe<H>(buf: Buffer): { header: H; rest: Buffer } {
  const n = buf.readUInt32BE(0);
  return { header: JSON.parse(buf.subarray(4, 4 + n).toString()) as H, rest: buf.subarray(4 + n) };
}

/** Splits `rest` into blobs of the given lengths (null: no blob). */
function blobsOf(rest: Buffer, lengths: (number | null)[]): (Buffer | undefined)[] {
  let at = 0;
  return lengths.map((n) => {
    if (n === null) return undefined;
    at += n;
    return rest.subarray(at - n, at);
  });
}

async function body(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

interface RequestHeader {
  statements: { sql: string; blob: number | null }[];
  transaction: boolean;
}
interface ResponseHeader {
  results?: { rows: Record<string, unknown>[]; affectedRows: number; blob: number | null }[];
  error?: Record<string, string | undefined> & { message: string };
}

export async function serveBulk(embedded: EmbeddedPostgres): Promise<{ close(): Promise<void> }> {
  const socketPath = path.join(embedded.socketDir, BULK_SOCKET);
  await rm(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    void (async () => {
      let reply: Buffer;
      try {
        const { header, rest } = unframe<RequestHeader>(await body(req));
        const blobs = blobsOf(
          rest,
          header.statements.map((s) => s.blob),
        );
        const statements = header.statements.map((s, i) => ({ sql: s.sql, blob: blobs[i] }));
        const results = await embedded.runBlob(statements, { transaction: header.transaction });
        const out: ResponseHeader = {
          results: results.map((r) => ({ rows: r.rows, affectedRows: r.affectedRows, blob: r.blob?.length ?? null })),
        };
        reply = frame(
          out,
          results.map((r) => r.blob),
        );
        res.writeHead(200);
      } catch (err) {
        const e = err as Error & Record<string, unknown>;
        const error: ResponseHeader['error'] = { message: e.message };
        for (const f of PG_ERROR_FIELDS) if (typeof e[f] === 'string') error[f] = e[f];
        reply = frame({ error }, []);
        res.writeHead(500);
      }
      res.end(reply);
    })();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The bulk path of the store process serving `socketDir`, from another process. */
export function connectBulk(socketDir: string): EmbeddedBulkAccess {
  const socketPath = path.join(socketDir, BULK_SOCKET);
  const agent = new http.Agent({ keepAlive: true });
  return {
    socketDir,
    async runBlob(statements: BlobStatement[], { transaction = false } = {}): Promise<BlobResult[]> {
      const payload = frame(
        { statements: statements.map((s) => ({ sql: s.sql, blob: s.blob?.length ?? null })), transaction },
        statements.map((s) => s.blob),
      );
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ socketPath, agent, method: 'POST', path: '/run' }, resolve);
        req.once('error', reject);
        req.end(payload);
      });
      const { header, rest } = unframe<ResponseHeader>(await body(res));
      if (header.error) throw Object.assign(new Error(header.error.message), header.error);
      const results = header.results!;
      const blobs = blobsOf(
        rest,
        results.map((r) => r.blob),
      );
      return results.map((r, i) => ({ rows: r.rows, affectedRows: r.affectedRows, blob: blobs[i] }));
    },
  };
}
