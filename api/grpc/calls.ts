import * as grpc from '@grpc/grpc-js';
import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call.js';
import type { Logger } from '../../core/logger.js';
import { assertName } from '../../core/names.js';
import { GrpcError, toGrpcError } from './errors.js';

// How vecflow's gRPC handlers are shaped: unary calls as async functions, bidirectional streams
// answered one message per request in request order, with flow control both ways.
export interface CallContext {
  collection: string;
  /** Aborted when the client cancels (or its deadline passes). */
  signal: AbortSignal;
}

/** The Vald collection a call addresses: metadata `vecflow-collection`, else the configured one. */
export function callContext(call: ServerSurfaceCall, defaultCollection: string): CallContext {
  const given = call.metadata.get('vecflow-collection')[0];
  const collection = given === undefined ? defaultCollection : assertName('collection', String(given));
  // Made when first asked for (most calls never are): a controller per call, aborted when grpc-js
  // reports the call over, cost a DOMException and a listener on every write.
  let abort: AbortController | undefined;
  return {
    collection,
    get signal() {
      if (!abort) {
        const controller = (abort = new AbortController());
        if (call.cancelled) controller.abort();
        else call.once('cancelled', () => controller.abort());
      }
      return abort.signal;
    },
  };
}

function reportable(err: unknown, log: Logger): GrpcError {
  const out = toGrpcError(err);
  if (out.code === grpc.status.INTERNAL) log.error({ err }, 'gRPC call failed');
  return out;
}

export function unary<Req, Res>(
  log: Logger,
  defaultCollection: string,
  fn: (req: Req, ctx: CallContext) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const run = async () => fn(call.request, callContext(call, defaultCollection));
    run().then(
      (res) => callback(null, res),
      (err) => callback(reportable(err, log)),
    );
  };
}

export function serverStream<Req, Res>(
  log: Logger,
  defaultCollection: string,
  fn: (req: Req, ctx: CallContext, send: (res: Res) => Promise<void>) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const run = async () => {
      const ctx = callContext(call, defaultCollection);
      await fn(call.request, ctx, (res) => write(call, res));
      call.end();
    };
    run().catch((err) => call.emit('error', reportable(err, log)));
  };
}

/** Writes one message, waiting for the client to read when its window is full. */
async function write<Res>(
  call: grpc.ServerWritableStream<unknown, Res> | grpc.ServerDuplexStream<unknown, Res>,
  res: Res,
) {
  if (call.cancelled) return;
  if (!call.write(res)) await new Promise<void>((resolve) => call.once('drain', resolve));
}

export interface BidiOptions {
  /** Requests answered together (one store round trip for writes). */
  chunk: number;
  /** A partial chunk goes once the client has sent nothing for this long… */
  lingerMs: number;
  /** …or once its oldest request has waited this long (a client that keeps sending). */
  maxLingerMs: number;
  /** Chunks in flight at once; beyond, reading pauses (the client's sends wait). */
  inFlight: number;
}

/** What serves one stream: `apply` answers a chunk (one answer per request), `close` ends it. */
export interface StreamSession<Req, Res> {
  apply(chunk: Req[]): Promise<Res[]>;
  /** After the last chunk was answered, whether the stream ended, failed or was cancelled. */
  close?(): Promise<void>;
}

/**
 * A bidirectional stream: `open` starts a session per call; requests are taken in chunks, each
 * chunk answered by the session with one answer per request; answers go out in request order.
 * Chunks grow while earlier ones are being answered (a partial chunk waits `lingerMs`, and longer
 * while `inFlight` chunks are out), so a fast client gets big, cheap chunks. A client faster than
 * the store waits: reading pauses when a full chunk waits for a free slot, and writing waits for
 * the client's window.
 */
export function bidiStream<Req, Res>(
  log: Logger,
  defaultCollection: string,
  options: BidiOptions,
  open: (ctx: CallContext) => StreamSession<Req, Res>,
): grpc.handleBidiStreamingCall<Req, Res> {
  return (call) => {
    let session: StreamSession<Req, Res>;
    try {
      session = open(callContext(call, defaultCollection));
    } catch (err) {
      call.emit('error', reportable(err, log));
      return;
    }
    const pending: Req[] = [];
    /** When each pending request arrived (performance.now()). */
    const arrived: number[] = [];
    let timer: NodeJS.Timeout | undefined;
    let inFlight = 0;
    let ended = false;
    let written: Promise<void> = Promise.resolve();
    // A full chunk goes as soon as a slot is free; a partial one only when nothing else is out and
    // the client paused or kept it waiting maxLingerMs, or at the end: each chunk costs the store a
    // transaction (and the worker a few ms of CPU), whatever its size.
    const dispatch = () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return;
      if (!ended && pending.length < options.chunk) {
        if (inFlight > 0) return; // dispatched again when it is answered
        const due = Math.min(arrived[arrived.length - 1] + options.lingerMs, arrived[0] + options.maxLingerMs);
        const wait = due - performance.now();
        if (wait > 0) {
          timer = setTimeout(dispatch, wait);
          return;
        }
      } else if (!ended && inFlight >= options.inFlight) return;
      const chunk = pending.splice(0, options.chunk);
      arrived.splice(0, chunk.length);
      inFlight++;
      const answers = session.apply(chunk).catch((err) => {
        throw reportable(err, log);
      });
      // Answers are written in chunk order, whatever order the chunks finish in.
      written = written.then(async () => {
        const out = await answers;
        for (const res of out) await write(call, res);
        inFlight--;
        if (!call.cancelled) {
          call.resume();
          dispatch();
        }
      });
      written.catch(() => undefined);
      if (pending.length >= options.chunk) dispatch();
    };
    call.on('data', (req: Req) => {
      pending.push(req);
      arrived.push(performance.now());
      if (pending.length >= options.chunk) {
        if (inFlight < options.inFlight) dispatch();
        else call.pause();
      } else if (!timer && inFlight === 0) timer = setTimeout(dispatch, options.lingerMs);
    });
    let finished: Promise<void> | undefined;
    const over = () =>
      (finished ??= written
        .catch(() => undefined)
        .then(() => session.close?.())
        .catch((err: unknown) => void reportable(err, log)));
    call.on('end', () => {
      ended = true;
      while (pending.length) dispatch();
      written.then(
        () => over().then(() => call.end()),
        (err: unknown) => {
          void over();
          call.emit('error', err instanceof GrpcError ? err : reportable(err, log));
        },
      );
    });
    call.on('error', () => {
      clearTimeout(timer);
      void over();
    });
    call.on('cancelled', () => {
      clearTimeout(timer);
      void over();
    });
  };
}
