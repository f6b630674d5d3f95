import { splitIdSpace } from '../../core/id-space.js';
import type { ActivityContext } from '../context.js';
import { pointText } from './points.js';
import type { GateInput, GateResult } from './types.js';

/**
 * The quality gate before a blue switch: for a sample spread over the id space, search the
 * destination with each item's own text (embedded by the destination model) and count how often
 * the item itself comes back in the top k.
 */
export async function qualityGate(ctx: ActivityContext, input: GateInput): Promise<GateResult> {
  const dest = { collection: input.collection, model: input.dest };
  const embedder = ctx.embedders.get(input.dest);
  let sampled = 0;
  let passed = 0;
  for (const range of splitIdSpace(input.sampleSize)) {
    const { points } = await ctx.store.scan(dest, { range, limit: 1, withVectors: false });
    const point = points[0];
    if (!point) continue;
    const text = pointText(ctx, input.collection, point);
    if (!text.trim()) continue;
    const [vector] = await embedder.embed([text]);
    const hits = await ctx.store.search(dest, vector, { k: input.k });
    sampled++;
    if (hits.some((h) => h.id === point.id)) passed++;
  }
  return { sampled, passed, ratio: sampled ? passed / sampled : 1 };
}
