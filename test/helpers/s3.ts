import net from 'node:net';
import { ensureBucket, startSeaweed } from '../../devstack/seaweed.js';
import { provided } from './servers.js';

// S3 for tests: the SeaweedFS gateway the run's globalSetup started, or (outside vitest) one of our own.
// SeaweedFS runs without authentication here; the SDK still signs, so any key pair will do.
export async function testS3(
  bucket: string,
): Promise<{ endpoint: string; env: Record<string, string>; stop(): Promise<void> }> {
  const shared = await provided('s3Endpoint');
  const own = shared ? null : await startSeaweed();
  const endpoint = shared ?? own!.endpoint;
  await ensureBucket(endpoint, bucket);
  const env = {
    S3_ENDPOINT: endpoint,
    AWS_ACCESS_KEY_ID: 'vecflow-test',
    AWS_SECRET_ACCESS_KEY: 'vecflow-test',
    AWS_REGION: 'us-east-1',
  };
  Object.assign(process.env, env);
  return { endpoint, env, stop: async () => own?.stop() };
}

/** A TCP proxy to `target` whose client→server bytes, all connections together, flow at `rate`. */
export function throttledProxy(target: URL, rate: number): Promise<{ url: string; close(): void }> {
  let free = Date.now();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const now = Date.now();
      free = Math.max(free, now) + (chunk.length / rate) * 1000;
      client.pause();
      setTimeout(() => client.resume(), free - now);
    });
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        close: () => server.close(),
      }),
    ),
  );
}

/**
 * A TCP proxy to `target` that can be taken down as if the gateway stopped: its port refuses
 * connections and open ones are cut until it comes back on the same port. `bytes` counts what
 * clients sent, so a test can wait for an upload to be under way.
 */
export async function outageProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let bytes = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (c: Buffer) => (bytes += c.length));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    sent: () => bytes,
    /** Stops accepting and cuts every connection for `ms`, then listens again on the same port. */
    async down(ms: number) {
      const closed = new Promise((r) => server.close(r));
      for (const s of sockets) s.destroy();
      await closed;
      await new Promise((r) => setTimeout(r, ms));
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
