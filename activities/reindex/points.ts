import { chunkText, itemText, textSettings } from '../../core/items.js';
import type { Point } from '../../core/types.js';
import { EmbedderError } from '../../embedders/port.js';
import type { ActivityContext } from '../context.js';
import type { CopyMode, ReindexFailure } from './types.js';

// Turning source points into destination points: copy the vector (same embedding) or re-embed
// the point's own text with the destination model. A chunk point `X#i` re-embeds chunk i of its
// object's text, split exactly as at upsert time.
export function pointText(ctx: ActivityContext, collection: string, point: Point): string {
  const cfg = textSettings(ctx.config, collection);
  const objectId = point.payload.object_id;
  const chunk =
    typeof objectId === 'string' && point.id.startsWith(objectId + '#')
      ? Number(point.id.slice(objectId.length + 1))
      : NaN;
  if (!Number.isInteger(chunk)) return itemText(point.payload, cfg);
  const { object_id: _added, ...original } = point.payload;
  return chunkText(itemText(original, cfg), cfg.max_chunk_chars)[chunk] ?? '';
}

export const NO_TEXT = 'no text to embed with the destination model';

/**
 * Destination points for `points`; items that cannot be converted are reported, not thrown —
 * as failures, or (`skipUnembeddable`) items without text as skips.
 */
export async function convertPoints(
  ctx: ActivityContext,
  collection: string,
  dest: string,
  mode: CopyMode,
  points: Point[],
  skipUnembeddable = false,
): Promise<{ converted: Point[]; failures: ReindexFailure[]; skips: ReindexFailure[] }> {
  if (mode === 'copy') return { converted: points, failures: [], skips: [] };
  const failures: ReindexFailure[] = [];
  const skips: ReindexFailure[] = [];
  const withText = points
    .map((p) => ({ p, text: pointText(ctx, collection, p) }))
    .filter(({ p, text }) => {
      if (text.trim()) return true;
      (skipUnembeddable ? skips : failures).push({ object_id: p.id, detail: NO_TEXT });
      return false;
    });
  const embedder = ctx.embedders.get(dest);
  try {
    const vectors = await embedder.embed(withText.map((w) => w.text));
    return { converted: withText.map((w, i) => ({ ...w.p, vector: vectors[i] })), failures, skips };
  } catch (err) {
    if (!(err instanceof EmbedderError) || err.retryable) throw err;
  }
  // The model refused the batch: find the items it refuses, one by one.
  const converted: Point[] = [];
  for (const w of withText) {
    try {
      const [v] = await embedder.embed([w.text]);
      converted.push({ ...w.p, vector: v });
    } catch (err) {
      if (!(err instanceof EmbedderError) || err.retryable) throw err;
      failures.push({ object_id: w.p.id, detail: err.message });
    }
  }
  return { converted, failures, skips };
}

/**
 * Items of the source that cannot be re-embedded (no text under the collection's text fields):
 * their count and the first few ids. Read before a reindex copies anything, so it refuses up
 * front. The store returns only the points that may lack text (on Postgres a filter in the
 * database); each is checked here as the copy would embed it.
 */
export async function countUnembeddable(
  ctx: ActivityContext,
  collection: string,
  source: string,
): Promise<{ count: number; examples: string[] }> {
  const ref = { collection, model: source };
  const fields = textSettings(ctx.config, collection).text_fields ?? null;
  const out = { count: 0, examples: [] as string[] };
  let cursor: string | null = null;
  do {
    const page = await ctx.store.scanTextless(ref, { fields, cursor, limit: 5000 });
    for (const p of page.points)
      if (!pointText(ctx, collection, p).trim()) {
        out.count++;
        if (out.examples.length < 5) out.examples.push(p.id);
      }
    cursor = page.next;
  } while (cursor);
  return out;
}
