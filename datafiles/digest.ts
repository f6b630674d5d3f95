import { createHash } from 'node:crypto';
import type { Point } from '../core/types.js';

// An order-independent content digest of a collection: the sum (mod 2^256) of one SHA-256 per
// point over its id, its float32 bytes and its payload as canonical JSON (sorted keys). Equal
// collections give equal digests however they were scanned, split or stored.
const MOD = 1n << 256n;

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function pointDigest(p: Pick<Point, 'id' | 'vector' | 'payload'>): bigint {
  const h = createHash('sha256');
  h.update(p.id).update('\u0000');
  h.update(Buffer.from(p.vector.buffer, p.vector.byteOffset, p.vector.byteLength)).update('\u0000');
  h.update(canonicalJson(p.payload));
  return BigInt('0x' + h.digest('hex'));
}

export class Digest {
  private sum = 0n;
  add(p: Pick<Point, 'id' | 'vector' | 'payload'>): void {
    this.sum = (this.sum + pointDigest(p)) % MOD;
  }
  merge(hex: string): void {
    this.sum = (this.sum + BigInt('0x' + hex)) % MOD;
  }
  hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}
