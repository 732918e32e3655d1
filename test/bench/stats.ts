// Percentiles over latency samples (nearest-rank, so a reported p99 is a
// latency some request really had).

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function atRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Nearest-rank percentile, p in [0, 100]; NaN for no samples. Does not mutate `values`. */
export function percentile(values: readonly number[], p: number): number {
  return atRank(Float64Array.from(values).sort(), p);
}

export const median = (values: readonly number[]): number => percentile(values, 50);
export const p99 = (values: readonly number[]): number => percentile(values, 99);

export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { count: sorted.length, p50Ms: atRank(sorted, 50), p99Ms: atRank(sorted, 99), maxMs: atRank(sorted, 100) };
}
