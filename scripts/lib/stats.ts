// Small statistics shared by the benchmarks: medians of rounds, and figures as people read them.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Peak resident memory of this process so far, all threads included, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export interface RssSlope {
  /** Least-squares slope of resident memory against rows recorded, MB per million rows. */
  mbPerMillion: number;
  /** Rows the fit spans, and the spread of the samples around the line (MB, standard deviation). */
  rows: number;
  noiseMb: number;
  /** Whether the growth over the span stands above the noise: slope × span over 3 × noise and 20 MB. */
  grows: boolean;
}

/** Samples taken after this long are fitted: the first minute is start-up (caches, pools, the heap's first growth). */
const WARM_UP_MS = 60_000;

/**
 * How resident memory grows with the rows recorded, after the first minute. Memory bounded by the work
 * in flight is flat against rows; a per-row leak is a slope. Null with too few samples to tell.
 */
export function rssSlope(samples: Array<[rows: number, mb: number, atMs: number]>): RssSlope | null {
  const warm = samples.filter(([, , at]) => at >= WARM_UP_MS);
  if (warm.length < 10) return null;
  const n = warm.length;
  const mx = warm.reduce((a, [x]) => a + x, 0) / n;
  const my = warm.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of warm) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const residual = Math.sqrt(warm.reduce((a, [x, y]) => a + (y - my - slope * (x - mx)) ** 2, 0) / n);
  const rows = warm[n - 1]![0] - warm[0]![0];
  const growth = slope * rows;
  return { mbPerMillion: slope * 1e6, rows, noiseMb: residual, grows: growth > Math.max(20, 3 * residual) };
}
