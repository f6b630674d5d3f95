import http from 'node:http';
import type { Json } from './json.js';

/** A local HTTP server whose handler the test controls; records every request. */
export async function localServer(
  handler: (
    req: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Json },
    res: http.ServerResponse,
  ) => void,
): Promise<{
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Json }[];
  close(): Promise<void>;
}> {
  const requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Json }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw ? JSON.parse(raw) : null,
      };
      requests.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((r) => server.close(() => r())) };
}
