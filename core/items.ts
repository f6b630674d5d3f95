import type { AppConfig, CollectionConfig } from './config.js';

// Embedding Studio items: where their text comes from and how long text is split into chunks.
export type TextSettings = Pick<CollectionConfig, 'text_fields' | 'max_chunk_chars'>;

/** A collection's text settings; collections not in the configuration use the defaults. */
export function textSettings(config: Pick<AppConfig, 'collections'>, collection: string): TextSettings {
  const c = config.collections.find((x) => x.name === collection);
  return { text_fields: c?.text_fields, max_chunk_chars: c?.max_chunk_chars ?? 2000 };
}

/** The text to embed: the configured fields, else every top-level string field, in key order. */
export function itemText(payload: Record<string, unknown>, collection: Pick<CollectionConfig, 'text_fields'>): string {
  const fields = collection.text_fields ?? Object.keys(payload);
  const parts: string[] = [];
  for (const f of fields) {
    const v = payload[f];
    if (typeof v === 'string' && v.trim()) parts.push(v.trim());
    else if (collection.text_fields && Array.isArray(v))
      parts.push(...v.filter((x): x is string => typeof x === 'string'));
  }
  return parts.join('\n');
}

/**
 * Splits text into chunks of at most `max` characters, preferring paragraph, then sentence,
 * then word boundaries; a single word longer than `max` is cut.
 */
export function chunkText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = -1;
    for (const boundary of [/\n\s*\n/g, /[.!?。]\s/g, /\s/g]) {
      for (const m of window.matchAll(boundary)) if (m.index! > max / 2) cut = m.index! + m[0].length;
      if (cut > 0) break;
    }
    if (cut <= 0 || cut > max) cut = max;
    chunks.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.trim()) chunks.push(rest.trim());
  return chunks.filter(Boolean);
}

/** Point ids of an object's chunks: the object id itself for one chunk, `id#0..n-1` for several. */
export function chunkIds(objectId: string, count: number): string[] {
  return count === 1 ? [objectId] : Array.from({ length: count }, (_, i) => `${objectId}#${i}`);
}

/** Whether `pointId` is one of `objectId`'s chunk ids (for any chunk count). */
export function isChunkOf(pointId: string, objectId: string): boolean {
  return (
    pointId === objectId || (pointId.startsWith(objectId + '#') && /^\d+$/.test(pointId.slice(objectId.length + 1)))
  );
}
