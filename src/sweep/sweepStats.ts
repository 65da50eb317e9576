// Running counts of a sweep, for the progress display and the final summary.
import type { Outcome, ResultRow } from '../messages.js';
import { LatencyHistogram } from '../util/latencyHistogram.js';
import { Codes } from '../result/errors.js';
import { isFailure } from '../result/row.js';

export class SweepStats {
  readonly startedAt = Date.now();
  /** Rows recorded by this run. */
  recorded = 0;
  /** Lines handed over by the reader (whole chunks at a time) and lines the coordinator has gone through. */
  linesRead = 0;
  linesProcessed = 0;
  /** The last input line this run went through: when the sweep ends, the checkpoint must have reached it. */
  lastLine = 0;
  /** Lines gone through that need a row (not blank, not a comment); those not yet recorded are pending. */
  issued = 0;

  /** Share of the input done, 0..1: the byte share read, scaled by the share of those lines that are done. */
  doneFraction(readFraction: number | null): number | null {
    if (readFraction === null || this.linesRead === 0) return readFraction;
    const done = this.linesProcessed - (this.issued - this.recorded);
    return (readFraction * done) / this.linesRead;
  }
  /** Rows recorded by this run that are not an HTTP response. */
  failures = 0;
  /** URLs not tried because their host was down. */
  notTried = 0;
  /** Answers of 429 or 503 drawn (hosts pushing back). */
  throttled = 0;
  readonly byOutcome = new Map<Outcome, number>();
  /** Worker threads that died and were replaced. */
  workerRestarts = 0;
  /** Time taken to build the indexes when the sweep ended (null before). */
  indexMs: number | null = null;
  /** Responses' elapsed times. */
  readonly latency = new LatencyHistogram();

  add(row: ResultRow): void {
    this.recorded++;
    this.byOutcome.set(row.outcome, (this.byOutcome.get(row.outcome) ?? 0) + 1);
    this.throttled += row.throttled;
    if (row.error_code === Codes.hostDown) this.notTried++;
    if (row.outcome === 'response' && row.elapsed_ms !== null) this.latency.add(row.elapsed_ms);
    if (isFailure(row.outcome)) this.failures++;
  }
}

/** What progress reporters are shown, about once a second. */
export interface ProgressSnapshot {
  /** Rows recorded by this run. */
  recorded: number;
  /** Rows the database held before this run (a resumed sweep). */
  earlier: number;
  failures: number;
  inFlight: number;
  /** Hosts with URLs at a worker now, hosts backing off (pushed back: a smaller window, a learnt pace, a pause), and hosts found down. */
  hosts: { active: number; slowed: number; down: number };
  /** URLs parked in the database, waiting for their host. */
  parked: number;
  /** URLs not tried because their host was down. */
  notTried: number;
  elapsedMs: number;
  /** URLs/s over the last few seconds. */
  rate: number;
  /** Share of the input bytes read, or null when unknown (stdin). */
  fraction: number | null;
  /** Estimated time left, from the share of input read; null when unknown. */
  etaMs: number | null;
}
