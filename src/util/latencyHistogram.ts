// Latency percentiles in constant memory: log-spaced buckets (5% apart) from 0.1 ms to ~1 hour.
const GROWTH = 1.05;
const MIN_MS = 0.1;
const BUCKETS = Math.ceil(Math.log(36_000_000) / Math.log(GROWTH)) + 2;

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;

  add(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / Math.log(GROWTH)));
    this.counts[i]!++;
    this.count++;
  }

  /** The value below which a share `q` (0..1) of the samples fall, to within 5%; null with no samples. */
  percentile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === 0 ? MIN_MS : MIN_MS * GROWTH ** i;
    }
    return null;
  }
}
