// One measured urlsweep sweep, in its own process, through the library the CLI calls (same engine, same
// recording). Prints one JSON line: rate, peak memory of the whole process (all threads), the coordinator's
// event-loop delay, and the rate in the first and last tenth of the URLs.
// Usage: node dist/scripts/processes/sweep.js <options as JSON>   (SweepOptions minus defaults)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { runSweep } from '../../src/sweep/sweep.js';
import { defaultOptions, type SweepOptions } from '../../src/options/sweepOptions.js';
import { Interrupt } from '../../src/sweep/interrupt.js';
import type { ProgressSnapshot } from '../../src/sweep/sweepStats.js';
import { peakRssMb, rssSlope, type RssSlope } from '../lib/stats.js';

export interface SweepMeasure {
  urls: number;
  elapsedMs: number;
  rate: number;
  peakRssMb: number;
  eventLoopP99Ms: number;
  firstTenthRate: number | null;
  lastTenthRate: number | null;
  /** Resident memory against rows recorded, after the first minute: MB per million rows (a leak shows here), and the samples. */
  rssSlope: RssSlope | null;
  /** Peak resident memory while URLs were swept, and building the indexes at the end (ms). */
  sweepPeakRssMb: number;
  indexMs: number | null;
  rss: Array<[rows: number, mb: number]>;
  byOutcome: Record<string, number>;
  byStatusClass: Record<string, number>;
}

/** Seconds to reach `count` recorded rows, interpolated between progress snapshots. */
function timeAt(snapshots: ProgressSnapshot[], count: number): number | null {
  let before = { recorded: 0, elapsedMs: 0 };
  for (const s of snapshots) {
    if (s.recorded >= count) {
      const share = (count - before.recorded) / Math.max(1, s.recorded - before.recorded);
      return before.elapsedMs + share * (s.elapsedMs - before.elapsedMs);
    }
    before = s;
  }
  return null;
}

// Benchmarks sweep loopback only: a proxy from the environment is never used.
const options: SweepOptions = { ...defaultOptions(), proxy: 'none', ...(JSON.parse(process.argv[2]!) as Partial<SweepOptions> & { inputs: string[] }) };
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const snapshots: ProgressSnapshot[] = [];
// Resident memory of the whole process (every thread) at each progress snapshot, against rows recorded.
const rss: Array<[rows: number, mb: number, atMs: number]> = [];
let sweepPeakRssMb: number | null = null;
const summary = await runSweep(
  options,
  {
    progress: (s) => {
      snapshots.push(s);
      rss.push([s.recorded, process.memoryUsage.rss() / 2 ** 20, s.elapsedMs]);
    },
    indexing: () => (sweepPeakRssMb = peakRssMb()),
  },
  new Interrupt(),
);
delay.disable();
const n = summary.recorded;
// The tenths come from the progress snapshots alone: the summary's time also holds building the indexes
// after the last request, which is not the sweep's rate.
const swept = snapshots.at(-1)?.recorded ?? 0;
const tenth = (from: number, to: number): number | null => {
  const a = timeAt(snapshots, from);
  const b = timeAt(snapshots, to);
  return a === null || b === null || b <= a ? null : ((to - from) * 1000) / (b - a);
};
const measure: SweepMeasure = {
  urls: n,
  elapsedMs: summary.elapsedMs,
  rate: summary.rate,
  peakRssMb: peakRssMb(),
  eventLoopP99Ms: delay.percentile(99) / 1e6,
  firstTenthRate: tenth(0, Math.floor(n / 10)),
  lastTenthRate: tenth(Math.floor((n * 9) / 10), swept),
  byOutcome: summary.byOutcome,
  byStatusClass: summary.byStatusClass,
  rssSlope: rssSlope(rss),
  // A run that never built its indexes (interrupted) peaked while sweeping.
  sweepPeakRssMb: sweepPeakRssMb ?? peakRssMb(),
  indexMs: summary.indexMs,
  // Every tenth sample is enough to draw the curve.
  rss: rss.filter((_, i) => i % 10 === 0).map(([rows, mb]) => [rows, Math.round(mb)]),
};
process.stdout.write(JSON.stringify(measure) + '\n');
