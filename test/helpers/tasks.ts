import type { TestStack } from './stack.js';
import type { Json } from './json.js';

/** Polls a task until it reaches one of `until` (default: Json final status) and returns its JSON. */
export async function waitForTask(
  stack: TestStack,
  path: string,
  id: string,
  until = ['done', 'failed', 'canceled', 'refused'],
  timeoutMs = 120_000,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await stack.api(`/api/v1${path}/${encodeURIComponent(id)}`);
    if (res.status !== 200) throw new Error(`GET ${path}/${id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (until.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const UPSERTS = '/embeddings/upsertion-tasks';
export const DELETES = '/embeddings/deletion-tasks';

/** Polls a backup/restore-style job (`/api/v1/<route>/<id>`) until it is no longer running. */
export async function waitForJob(
  stack: TestStack,
  route: string,
  id: string,
  timeoutMs = 600_000,
  running: (job: Json) => boolean = (j) => j.status === 'processing',
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body: job } = await stack.api(`/api/v1/${route}/${encodeURIComponent(id)}`);
    if (status !== 200) throw new Error(`GET ${route}/${id}: ${status} ${JSON.stringify(job)}`);
    if (!running(job)) return job;
    if (Date.now() > deadline) throw new Error(`${route}/${id} still processing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
