// A sweep's summary for tests of what prints it (the summary text, the reporters).
import type { SweepSummary } from '../../src/sweep/summary.js';

/** A small run with nothing optional to say: no status classes, no latency, no hosts section. */
export const bareSummary: SweepSummary = {
  db: 'sweep.db',
  alreadyComplete: false,
  interrupted: null,
  workerRestarts: 0,
  total: 3,
  recorded: 3,
  byOutcome: { response: 2, timeout: 1 },
  byStatusClass: {},
  latency: { p50: null, p90: null, p99: null },
  elapsedMs: 2000,
  indexMs: null,
  rate: 1.5,
  hosts: null,
  notTried: 0,
  throttled: 0,
  peakRssMb: 80.4,
};
