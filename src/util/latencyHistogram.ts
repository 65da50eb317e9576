// Latency percentiles in constant memory: Node's HDR histogram (perf_hooks), fed whole microseconds from
// 1 µs to an hour, two significant figures (within 1%), and read back in milliseconds.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

const HOUR_US = 3_600_000_000;

export class LatencyHistogram {
  private readonly h: RecordableHistogram = createHistogram({ lowest: 1, highest: HOUR_US, figures: 2 });

  get count(): number {
    return this.h.count;
  }

  add(ms: number): void {
    if (Number.isNaN(ms)) return;
    this.h.record(Math.min(HOUR_US, Math.max(1, Math.round(ms * 1000))));
  }

  /** The sample at share `q` (0..1) of them, to the nearest rank as HDR histograms count, ms; null with no samples. */
  percentile(q: number): number | null {
    if (this.h.count === 0) return null;
    // perf_hooks takes a percentile in (0, 100]: the lowest sample stands for q = 0.
    return (q <= 0 ? this.h.min : this.h.percentile(Math.min(100, q * 100))) / 1000;
  }
}
