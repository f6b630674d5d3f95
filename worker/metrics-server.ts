import http from 'node:http';
import { jobRegistry } from '../core/metrics.js';

/**
 * The worker's job metrics on <host>:<port> (loopback by default): /metrics (Prometheus text, for scraping the
 * worker directly), /metrics.json (what the API sums across workers), and /health: 200 while
 * `running()` says the worker polls its task queue, else 503.
 */
export function serveWorkerMetrics(port: number, host = '127.0.0.1', running = () => true): Promise<http.Server> {
  const server = http.createServer((req, res) => void answer(req, res, running));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function answer(req: http.IncomingMessage, res: http.ServerResponse, running: () => boolean): Promise<void> {
  try {
    if (req.url === '/health') {
      const ok = running();
      res.statusCode = ok ? 200 : 503;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: ok ? 'running' : 'not running' }));
    } else if (req.url === '/metrics.json') {
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
