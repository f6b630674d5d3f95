import {
  AggregatorRegistry,
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

// Prometheus metrics (prom-client). Job metrics are counted where jobs run, in the worker; the
// worker serves them on its own port and the API's /metrics/prometheus sums every worker's
// with its own (AggregatorRegistry), so one scrape shows the whole service.
export const jobRegistry = new Registry();

export const jobsTotal = new Counter({
  name: 'vecflow_jobs_total',
  help: 'Finished import/export jobs by kind, format and final status',
  labelNames: ['kind', 'format', 'status'],
  registers: [jobRegistry],
});
export const jobsFinished = new Counter({
  name: 'vecflow_jobs_finished_total',
  help: 'Finished jobs of every kind (VecflowKind) by outcome: done, failed, canceled, refused',
  labelNames: ['kind', 'outcome'],
  registers: [jobRegistry],
});
export const jobDuration = new Histogram({
  name: 'vecflow_job_duration_seconds',
  help: 'Wall time of finished import/export jobs',
  labelNames: ['kind', 'format'],
  buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
  registers: [jobRegistry],
});
export const rowsTotal = new Counter({
  name: 'vecflow_rows_total',
  help: 'Rows of finished import/export jobs by kind, format and result (successful, failed, skipped, exported)',
  labelNames: ['kind', 'format', 'result'],
  registers: [jobRegistry],
});
export const bytesTotal = new Counter({
  name: 'vecflow_job_bytes_total',
  help: 'Bytes of imported uploads and exported files',
  labelNames: ['kind', 'format'],
  registers: [jobRegistry],
});

export interface JobMetrics {
  kind: 'import' | 'export';
  format: string;
  status: string;
  startedAt: string;
  rows: Record<string, number>;
  bytes: number;
}

export function recordJob(m: JobMetrics): void {
  jobsTotal.inc({ kind: m.kind, format: m.format, status: m.status });
  jobDuration.observe({ kind: m.kind, format: m.format }, Math.max(0, (Date.now() - Date.parse(m.startedAt)) / 1000));
  for (const [result, n] of Object.entries(m.rows))
    if (n > 0) rowsTotal.inc({ kind: m.kind, format: m.format, result }, n);
  if (m.bytes > 0) bytesTotal.inc({ kind: m.kind, format: m.format }, m.bytes);
}

/** The API process's own metrics: process defaults (prefixed) and HTTP requests. */
export const apiRegistry = new Registry();
collectDefaultMetrics({ register: apiRegistry, prefix: 'vecflow_api_' });
export const httpRequests = new Counter({
  name: 'vecflow_http_requests_total',
  help: 'API requests by method, route and status',
  labelNames: ['method', 'route', 'status'],
  registers: [apiRegistry],
});

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Sums job metrics of this process and of the given worker endpoints (JSON form), plus the API's own. */
export async function aggregatedMetrics(
  workerUrls: string[],
): Promise<{ text: string; contentType: string; unreachable: string[] }> {
  const parts: MetricsJson[] = [(await jobRegistry.getMetricsAsJSON()) as MetricsJson];
  const unreachable: string[] = [];
  for (const url of workerUrls) {
    try {
      const res = await fetch(new URL('/metrics.json', url), { signal: AbortSignal.timeout(3000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      parts.push((await res.json()) as MetricsJson);
    } catch {
      unreachable.push(url);
    }
  }
  const merged = Registry.merge([AggregatorRegistry.aggregate(parts), apiRegistry]);
  return { text: await merged.metrics(), contentType: merged.contentType, unreachable };
}
