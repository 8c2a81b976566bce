/** Helpers for the benchmark: wall-clock timing lives here, never in lib/. */
import { readFileSync } from 'node:fs';

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

/**
 * `<name>_p50_ms` and `<name>_p99_ms`: the median and 99th percentile of `times`, each against
 * the same percentile of `baselines`, times in ms measured in the same run.
 */
export function msPercentiles(
  name: string,
  times: readonly number[],
  baselines: readonly number[],
): Result[] {
  return [50, 99].map((p) => {
    const value = percentile(times, p);
    const baseline = percentile(baselines, p);
    return { name: `${name}_p${p}_ms`, value, unit: 'ms', baseline, ratio: value / baseline };
  });
}

/** The machine's CPU time so far, all cores: busy and in all, in clock ticks (Linux's /proc/stat). */
export interface MachineTicks {
  readonly busy: number;
  readonly total: number;
}

/** The machine's CPU ticks now; none where there is no /proc/stat. */
export function machineTicks(): MachineTicks | undefined {
  let line: string;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const ticks = line.split(/\s+/).slice(1).map(Number);
  const total = ticks.reduce((sum, n) => sum + (Number.isFinite(n) ? n : 0), 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** The share of the machine's CPU (0..1) busy between two readings, or NaN without them. */
export function machineBusy(
  before: MachineTicks | undefined,
  after: MachineTicks | undefined,
): number {
  if (before === undefined || after === undefined || after.total === before.total) return NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** Datagrams the machine's UDP sockets dropped for a full receive buffer so far (Linux), if known. */
export function udpReceiveDrops(): number | undefined {
  let snmp: string;
  try {
    snmp = readFileSync('/proc/net/snmp', 'utf8');
  } catch {
    return undefined;
  }
  // Two lines start with "Udp:": the names, then the counts.
  const [names, counts] = snmp
    .split('\n')
    .filter((line) => line.startsWith('Udp:'))
    .map((line) => line.split(/\s+/).slice(1));
  const at = names?.indexOf('RcvbufErrors') ?? -1;
  const value = at < 0 ? undefined : Number(counts?.[at]);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
