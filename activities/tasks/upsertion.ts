import { VecflowError, errorMessage } from '../../core/errors.js';
import { type TextSettings, chunkIds, chunkText, itemText, textSettings } from '../../core/items.js';
import { assertPointId } from '../../core/point-id.js';
import { StagingArea } from '../../core/staging.js';
import { stagedVector } from '../../core/task-vectors.js';
import type { Point } from '../../core/types.js';
import { EmbedderError } from '../../embedders/port.js';
import { type ActivityContext, keepAlive } from '../context.js';
import { nowNs } from '../../core/time.js';
import {
  type TargetWrite,
  type WriteTargets,
  deleteFromTargets,
  refOf,
  resolveWriteTargets,
  writeToTargets,
} from '../write-path.js';
import { staleChunkIds } from './chunks.js';
import type { BatchInput, BatchResult, FailedItem, FailureStage, TaskItem } from './types.js';

const MAX_CHUNKS = 1000;

interface Prepared {
  item: TaskItem;
  texts: string[];
  /** Chunk vectors: given by the caller (one), or embedded from `texts`. */
  vectors?: Float32Array[];
  fullText: string;
}

class ItemFailure extends Error {
  constructor(
    readonly stage: FailureStage,
    message: string,
  ) {
    super(message);
  }
}

function prepare(raw: TaskItem, dimension: number, cfg: TextSettings): Prepared {
  try {
    assertPointId(raw?.object_id, 'object_id');
  } catch (err) {
    throw new ItemFailure('on_validation', errorMessage(err));
  }
  if (typeof raw.payload !== 'object' || raw.payload === null || Array.isArray(raw.payload)) {
    throw new ItemFailure('on_validation', 'payload must be a JSON object');
  }
  const fullText = itemText(raw.payload, cfg);
  const packed = stagedVector(raw);
  if (packed) {
    if (packed.length !== dimension)
      throw new ItemFailure('on_validation', `vector must be an array of ${dimension} numbers, got ${packed.length}`);
    return { item: raw, texts: [fullText], vectors: [packed], fullText };
  }
  if (raw.vector !== undefined && raw.vector !== null) {
    const v = raw.vector;
    if (!Array.isArray(v) || v.length !== dimension) {
      throw new ItemFailure(
        'on_validation',
        `vector must be an array of ${dimension} numbers, got ${Array.isArray(v) ? v.length : typeof v}`,
      );
    }
    const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
    if (bad >= 0) throw new ItemFailure('on_validation', `vector[${bad}] is not a finite number`);
    const floats = Float32Array.from(v);
    const overflow = floats.findIndex((x) => !Number.isFinite(x));
    if (overflow >= 0) throw new ItemFailure('on_validation', `vector[${overflow}] is outside the float32 range`);
    return { item: raw, texts: [fullText], vectors: [floats], fullText };
  }
  if (!fullText) throw new ItemFailure('on_validation', 'no text to embed: the payload has no non-empty text field');
  const texts = chunkText(fullText, cfg.max_chunk_chars);
  if (texts.length > MAX_CHUNKS)
    throw new ItemFailure('on_splitting', `text splits into ${texts.length} chunks, more than ${MAX_CHUNKS}`);
  return { item: raw, texts, fullText };
}

/** Embeds every item's chunks in one call; when the model refuses, item by item to find the culprits. */
async function embedAll(
  ctx: ActivityContext,
  model: string,
  items: Prepared[],
  fail: (p: Prepared, stage: FailureStage, detail: string) => void,
): Promise<Prepared[]> {
  const todo = items.filter((p) => !p.vectors);
  const embedder = ctx.embedders.get(model);
  try {
    const vectors = await embedder.embed(todo.flatMap((p) => p.texts));
    let i = 0;
    for (const p of todo) p.vectors = p.texts.map(() => vectors[i++]);
    return items;
  } catch (err) {
    if (!(err instanceof EmbedderError) || err.retryable) throw err;
  }
  for (const p of todo) {
    try {
      p.vectors = await embedder.embed(p.texts);
    } catch (err) {
      if (err instanceof EmbedderError && err.retryable) throw err;
      fail(p, 'on_inference', errorMessage(err));
    }
  }
  return items.filter((p) => p.vectors);
}

function toWrites(p: Prepared, timestamp: bigint): TargetWrite[] {
  const ids = chunkIds(p.item.object_id, p.vectors!.length);
  return ids.map((id, i) => {
    const point: Point = {
      id,
      vector: p.vectors![i],
      payload: ids.length === 1 ? p.item.payload : { ...p.item.payload, object_id: p.item.object_id },
      timestamp,
    };
    return { point, text: p.texts[i] || p.fullText };
  });
}

/** Writes the items; a store refusal (a bad item) is isolated by retrying one item at a time. */
async function store(
  ctx: ActivityContext,
  targets: WriteTargets,
  items: Prepared[],
  timestamp: bigint,
  fail: (p: Prepared, stage: FailureStage, detail: string) => void,
): Promise<void> {
  const write = async (group: Prepared[]) => {
    const outcome = await writeToTargets(
      ctx,
      targets,
      group.flatMap((p) => toWrites(p, timestamp)),
      'newer',
    );
    for (const p of group) {
      const missing = [...outcome.targetErrors.entries()].find(
        ([id]) => id === p.item.object_id || id.startsWith(p.item.object_id + '#'),
      );
      if (missing) fail(p, 'on_upsert', missing[1]);
    }
    // Re-upserting an object with fewer chunks must leave none of the old ones behind.
    const keep = new Map(group.map((p) => [p.item.object_id, p.vectors!.length]));
    const stale = await staleChunkIds(ctx.store, refOf(targets, targets.blue), [...keep.keys()], (id) => keep.get(id)!);
    if (stale.length) await deleteFromTargets(ctx, targets, stale, timestamp);
  };
  try {
    await write(items);
  } catch (err) {
    if (!(err instanceof VecflowError && err.status < 500)) throw err;
    for (const p of items) {
      await write([p]).catch((e) => {
        if (!(e instanceof VecflowError && e.status < 500)) throw e;
        fail(p, 'on_upsert', errorMessage(e));
      });
    }
  }
}

export function upsertionActivities(ctx: ActivityContext) {
  const staging = new StagingArea(ctx.config);
  return {
    /** One batch of an upsertion task. Idempotent: a retry rewrites the same items and the same failure file. */
    upsertItemsBatch(input: BatchInput): Promise<BatchResult> {
      // Heartbeats while it runs: a killed worker is noticed in 30 s, not at the 5-minute timeout.
      return keepAlive(async () => {
        const raw = await staging.readBatch<TaskItem>(input.ref, input.batch);
        const targets = await resolveWriteTargets(ctx, input.collection);
        const cfg = textSettings(ctx.config, input.collection);
        const failed: FailedItem[] = [];
        const fail = (p: { item: TaskItem } | TaskItem, stage: FailureStage, detail: string) => {
          const item = 'item' in p ? p.item : p;
          failed.push({
            object_id: item?.object_id ?? null,
            payload: item?.payload ?? null,
            item_info: item?.item_info ?? null,
            detail,
            failure_stage: stage,
          } as FailedItem);
        };
        const prepared: Prepared[] = [];
        for (const item of raw) {
          try {
            prepared.push(prepare(item, targets.blue.dimension, cfg));
          } catch (err) {
            if (!(err instanceof ItemFailure)) throw err;
            fail(item, err.stage, err.message);
          }
        }
        const embedded = await embedAll(ctx, targets.blue.model, prepared, fail);
        // The acceptance time, not this attempt's: a late retry loses to newer writes.
        await store(ctx, targets, embedded, input.timestamp ? BigInt(input.timestamp) : nowNs(), fail);
        await staging.writeResult(input.ref, input.batch, failed);
        return { processed: raw.length, failed: failed.length };
      });
    },
  };
}
