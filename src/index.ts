// urlsweep as a library: everything the CLI does is reachable from here.
export { runSweep, GRACE_MS, type SweepListener } from './sweep/sweep.js';
export { Codes, CodedError, QueryError, StoreError, SweepError, UrlsweepError, UsageError, WorkerLostError } from './result/errors.js';
export { Interrupt } from './sweep/interrupt.js';
export { defaultOptions, type SweepOptions } from './options/sweepOptions.js';
export type { SweepSummary } from './sweep/summary.js';
export type { ProgressSnapshot } from './sweep/sweepStats.js';
export type { Outcome, ResultRow } from './messages.js';
export { classify } from './result/outcome.js';
export { parseDuration } from './options/duration.js';
