import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { ValidationError, VecflowError } from '../../core/errors.js';

export class PayloadTooLargeError extends VecflowError {
  constructor(message: string) {
    super(message, 'payload_too_large', 413);
  }
}

/** The stored name of an upload: `upload` plus the client's extension when it names a format. */
export function uploadFileName(clientName: string): string {
  const ext = path.extname(clientName).toLowerCase();
  return /^\.(csv|json|jsonl|ndjson|parquet)$/.test(ext) ? `upload${ext}` : 'upload';
}

export interface Upload {
  /** Where the file is on disk (inside the job's directory). */
  file: string;
  /** The client's file name (only its extension is used, for format detection). */
  name: string;
  bytes: number;
  fields: Record<string, string>;
}

/**
 * Streams a multipart upload's `file` part to `<dir>/upload<ext>` (never into memory) and
 * collects the text fields. Over `maxBytes` the request fails with 413 and nothing is kept.
 */
export async function receiveUpload(req: Request, dir: string, maxBytes: number): Promise<Upload> {
  if (!req.is('multipart/form-data'))
    throw new ValidationError('send the file as multipart/form-data with a "file" part');
  const fields: Record<string, string> = {};
  let upload: Upload | null = null;
  let tooLarge = false;
  const writes: Promise<void>[] = [];
  let bb: busboy.Busboy;
  try {
    bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 50, fieldSize: 64 * 1024 } });
  } catch (err) {
    throw new ValidationError(`invalid multipart request: ${(err as Error).message}`);
  }
  bb.on('field', (name, value) => {
    fields[name] = value;
  });
  bb.on('file', (field, stream, info) => {
    if (field !== 'file' || upload) {
      stream.resume();
      return;
    }
    const name = path.basename(info.filename || 'upload');
    const current: Upload = { file: path.join(dir, uploadFileName(name)), name, bytes: 0, fields };
    upload = current;
    stream.on('data', (chunk: Buffer) => (current.bytes += chunk.length));
    stream.on('limit', () => (tooLarge = true));
    const write = pipeline(stream, createWriteStream(current.file));
    // Awaited below; a request cut short fails it at the same moment as the parser, and that
    // second rejection must not go unhandled (it would take the whole API process down).
    write.catch(() => undefined);
    writes.push(write);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      bb.on('close', resolve);
      bb.on('error', (err) => reject(new ValidationError(`invalid multipart request: ${(err as Error).message}`)));
      req.on('aborted', () => reject(new ValidationError('the upload was aborted')));
      req.pipe(bb);
    });
    await Promise.all(writes);
  } catch (err) {
    await Promise.allSettled(writes); // the file is closed before it is removed
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  if (tooLarge) {
    await rm(dir, { recursive: true, force: true });
    throw new PayloadTooLargeError(
      `the file is larger than the upload limit of ${maxBytes} bytes (VECFLOW_UPLOAD_LIMIT)`,
    );
  }
  if (!upload) {
    await rm(dir, { recursive: true, force: true });
    throw new ValidationError('the request has no "file" part', [{ field: 'body.file', message: 'required' }]);
  }
  return upload;
}
