// Timing and peak RSS of benchmark phases (the worker runs in the benchmark's own process).
export const mb = (b: number) => `${Math.round(b / 1024 / 1024)} MB`;

export function phaseTimer() {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    /** Runs `fn`: its seconds, the RSS peak while it ran, its value. */
    async phase<T>(fn: () => Promise<T>): Promise<{ secs: number; peak: number; value: T }> {
      peak = process.memoryUsage().rss;
      const t = performance.now();
      const value = await fn();
      return { secs: (performance.now() - t) / 1000, peak, value };
    },
    stop: () => clearInterval(sampler),
  };
}
