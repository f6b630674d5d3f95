// Timing and peak RSS of benchmark phases (the worker runs in the benchmark's own process).
export const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;
/** A change in bytes with its sign: +12 MB, -83 MB (a peak below the baseline: memory was freed). */
export const signedMb = (b: number) => `${b < 0 ? '-' : '+'}${mb(Math.abs(b))}`;

export function phaseTimer() {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    /** Runs `fn`: its seconds, the RSS peak while it ran and how far that is over the RSS at its start, its value. */
    async phase<T>(fn: () => Promise<T>): Promise<{ secs: number; peak: number; grew: number; value: T }> {
      const start = process.memoryUsage().rss;
      peak = start;
      const t = performance.now();
      const value = await fn();
      return { secs: (performance.now() - t) / 1000, peak, grew: peak - start, value };
    },
    stop: () => clearInterval(sampler),
  };
}
