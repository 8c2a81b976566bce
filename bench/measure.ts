/** Helpers for the benchmark: wall-clock timing lives here, never in lib/. */

/** Nanoseconds now, from the monotonic clock. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** How many times `work` runs per second, over about `ms` milliseconds after a warm-up. */
export function opsPerSecond(work: () => void, ms = 1000): number {
  for (let i = 0; i < 2000; i++) work();
  let runs = 0;
  const start = now();
  const budget = BigInt(ms) * 1_000_000n;
  while (now() - start < budget) {
    for (let i = 0; i < 100; i++) work();
    runs += 100;
  }
  return runs / (Number(now() - start) / 1e9);
}

/** The p-th percentile (0..100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** One line of the results. */
export interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
}
