// The internal point id space: 128-bit UUIDs ordered as unsigned big-endian integers, which is
// how both PostgreSQL (uuid) and Qdrant order them. Shards are contiguous ranges of this space,
// so a shard plan is a pure function of the shard count. Workflow-safe: no Node imports.

export const ID_SPACE_BITS = 128n;
const MAX = (1n << ID_SPACE_BITS) - 1n;

/** [start, end): start inclusive, end exclusive; null means unbounded on that side. */
export interface IdRange {
  start: string | null;
  end: string | null;
}

export function uuidToBigInt(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  return BigInt('0x' + hex);
}

export function bigIntToUuid(n: bigint): string {
  if (n < 0n || n > MAX) throw new Error(`out of the 128-bit id space: ${n}`);
  const hex = n.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Splits the whole id space into `count` contiguous ranges of (almost) equal width. */
export function splitIdSpace(count: number): IdRange[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`shard count must be a positive integer, got ${count}`);
  const total = MAX + 1n;
  const ranges: IdRange[] = [];
  for (let i = 0; i < count; i++) {
    const lo = (total * BigInt(i)) / BigInt(count);
    const hi = (total * BigInt(i + 1)) / BigInt(count);
    ranges.push({ start: i === 0 ? null : bigIntToUuid(lo), end: i === count - 1 ? null : bigIntToUuid(hi) });
  }
  return ranges;
}

export function inRange(uuid: string, range: IdRange): boolean {
  const n = uuidToBigInt(uuid);
  if (range.start !== null && n < uuidToBigInt(range.start)) return false;
  if (range.end !== null && n >= uuidToBigInt(range.end)) return false;
  return true;
}
