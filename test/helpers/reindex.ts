import type { TestStack } from './stack.js';
import type { Json } from './json.js';

export const REINDEX = '/internal/reindex-tasks';

export async function startReindex(stack: TestStack, body: Record<string, unknown>): Promise<Json> {
  const res = await stack.api(`/api/v1${REINDEX}/run`, { body });
  if (res.status !== 200) throw new Error(`reindex start: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Every id of a physical collection, sorted. */
export async function allIds(stack: TestStack, ref: { collection: string; model: string }): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await stack.store.scan(ref, { cursor, limit: 2000, withVectors: false });
    ids.push(...page.points.map((p) => p.id));
    cursor = page.next;
  } while (cursor);
  return ids.sort();
}
