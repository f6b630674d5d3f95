import http from 'node:http';
import { jobRegistry } from '../core/metrics.js';

/**
 * The worker's job metrics on <host>:<port> (loopback by default): /metrics (Prometheus text, for scraping the
 * worker directly) and /metrics.json (what the API sums across workers).
 */
export function serveWorkerMetrics(port: number, host = '127.0.0.1'): Promise<http.Server> {
  const server = http.createServer((req, res) => void answer(req, res));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  try {
    if (req.url === '/metrics.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(await jobRegistry.getMetricsAsJSON()));
    } else if (req.url === '/metrics') {
      res.setHeader('content-type', jobRegistry.contentType);
      res.end(await jobRegistry.metrics());
    } else {
      res.statusCode = 404;
      res.end();
    }
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
}
