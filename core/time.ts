/** Nanoseconds since the epoch, as Vald and the stores count time (ms clock + sub-ms counter). */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}
