import { fork } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';

// A baseline for streamed writes: grpc-js alone, a bidirectional stream answering each message
// with a small one, in a process of its own (as the API is), for messages of a given size. What
// one machine can stream before any decoding, storing or Temporal. Run by bench/vald.ts.
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
};

if (process.argv[2] === 'serve') {
  const server = new grpc.Server();
  const answer = Buffer.alloc(48);
  server.addService(ECHO as unknown as grpc.ServiceDefinition, {
    Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
      call.on('data', () => call.write(answer));
      call.on('end', () => call.end());
    },
  });
  server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) throw err;
    process.send!(port);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Messages per second through a grpc-js bidi stream to another process. */
export async function grpcEchoRate(count: number, messageBytes: number): Promise<number> {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { execArgv: ['--import', 'tsx'] });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
    const Client = grpc.makeGenericClientConstructor(ECHO as unknown as grpc.ServiceDefinition, 'Echo');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
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
    client.close();
    return answered / ((performance.now() - t) / 1000);
  } finally {
    child.kill();
  }
}
