import { fork } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';

// Baselines for Vald writes: grpc-js alone, in a process of its own (as the API is), answering
// each message of a given size with a small one — a bidirectional stream (what one machine can
// stream before any decoding, storing or Temporal) and unary calls one after another (the round
// trip a single write cannot go below). Run by bench/vald.ts.
const raw = (b: Buffer) => b;
const ECHO = {
  Echo: {
    path: '/bench.Echo/Echo',
    requestStream: true,
    responseStream: true,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
  Call: {
    path: '/bench.Echo/Call',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  },
};

if (process.argv[2] === 'serve') {
  const server = new grpc.Server();
  const answer = Buffer.alloc(48);
  server.addService(ECHO as unknown as grpc.ServiceDefinition, {
    Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', () => call.write(answer));
      call.on('end', () => call.end());
    },
    Call: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, answer),
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.send!(port);
  });
  process.on('disconnect', () => process.exit(0));
}

/** A client of an echo server in a process of its own, for `use`. */
async function withEcho<T>(use: (client: grpc.Client) => Promise<T>): Promise<T> {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { execArgv: ['--import', 'tsx'] });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
    const Client = grpc.makeGenericClientConstructor(ECHO as unknown as grpc.ServiceDefinition, 'Echo');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      return await use(client);
    } finally {
      client.close();
    }
  } finally {
    child.kill();
  }
}

/** Milliseconds of each of `count` unary calls made one after another to another process. */
export function grpcUnaryLatencies(count: number, messageBytes: number): Promise<number[]> {
  return withEcho(async (client) => {
    const message = Buffer.alloc(messageBytes);
    const echo = client as unknown as { Call(m: Buffer, cb: (err: Error | null) => void): void };
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await new Promise<void>((resolve, reject) => echo.Call(message, (err) => (err ? reject(err) : resolve())));
      out.push(performance.now() - t);
    }
    return out;
  });
}

/** Messages per second through a grpc-js bidi stream to another process. */
export function grpcEchoRate(count: number, messageBytes: number): Promise<number> {
  return withEcho(async (client) => {
    const call = (client as unknown as { Echo(): grpc.ClientDuplexStream<Buffer, Buffer> }).Echo();
    const message = Buffer.alloc(messageBytes);
    const t = performance.now();
    let answered = 0;
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', () => answered++);
      call.on('end', resolve);
      call.on('error', reject);
    });
    for (let i = 0; i < count; i++) if (!call.write(message)) await new Promise((r) => call.once('drain', r));
    call.end();
    await done;
    return answered / ((performance.now() - t) / 1000);
  });
}
