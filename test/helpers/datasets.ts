import { openAsBlob } from 'node:fs';
import type { TestStack } from './stack.js';
import { waitForJob } from './tasks.js';
import type { Json } from './json.js';

/** Uploads a file (a path on disk, or {name, content}) to POST /datasets/{id}/import. */
export async function startImport(
  stack: TestStack,
  dataset: string,
  file: string | { name: string; content: string | Buffer },
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (typeof file === 'string') form.append('file', await openAsBlob(file), file.split('/').pop());
  else form.append('file', new Blob([file.content]), file.name);
  const res = await fetch(`${stack.apiUrl}/api/v1/datasets/${encodeURIComponent(dataset)}/import`, {
    method: 'POST',
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Polls an import or export job until it is no longer running (and a worker answered for it). */
export function waitForDatasetJob(
  stack: TestStack,
  kind: 'import' | 'export',
  id: string,
  timeoutMs = 600_000,
): Promise<Json> {
  return waitForJob(stack, kind, id, timeoutMs, (job) => job.status === 'running' || !!job.detail);
}

/** Imports and waits for the result. */
export async function importAndWait(
  stack: TestStack,
  dataset: string,
  file: Parameters<typeof startImport>[2],
  fields: Record<string, string> = {},
) {
  const started = await startImport(stack, dataset, file, fields);
  if (started.status !== 200) throw new Error(`import: ${started.status} ${JSON.stringify(started.body)}`);
  return waitForDatasetJob(stack, 'import', started.body.job_id);
}

/** Exports, waits, downloads: the job and the file's bytes with the response headers. */
export async function exportAndDownload(stack: TestStack, dataset: string, body: Record<string, unknown>) {
  const started = await stack.api(`/api/v1/datasets/${encodeURIComponent(dataset)}/export`, { body });
  if (started.status !== 200) throw new Error(`export: ${started.status} ${JSON.stringify(started.body)}`);
  const job = await waitForDatasetJob(stack, 'export', started.body.job_id);
  const res = await fetch(`${stack.apiUrl}${job.download_url}`);
  return { job, status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A deterministic vector for row i (so tests can check what the store holds). */
export const rowVector = (i: number, dim: number) =>
  Array.from({ length: dim }, (_, d) => Math.fround(Math.cos(i * 13 + d)));

/** Writes an n-row JSONL file; rows where `bad(i)` holds get a wrong dimension. */
export async function writeJsonl(
  file: string,
  n: number,
  dim: number,
  bad: (i: number) => boolean = () => false,
): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(file);
  for (let i = 0; i < n; i++) {
    const values = rowVector(i, bad(i) ? dim - 1 : dim);
    const line = `${JSON.stringify({ id: `r${i}`, values, content: `row ${i}`, metadata: { i, even: i % 2 === 0 } })}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
