// urlsweep as a library: everything the CLI does is reachable from here.
export { runSweep, GRACE_MS, type SweepListener } from './sweep.js';
export { Codes, CodedError, QueryError, StoreError, SweepError, UrlsweepError, UsageError, WorkerLostError } from './errors.js';
export { Interrupt } from './interrupt.js';
export { defaultOptions, type SweepOptions } from './sweepOptions.js';
export type { SweepSummary } from './summary.js';
export type { ProgressSnapshot } from './sweepStats.js';
export type { Outcome, ResultRow } from './messages.js';
export { classify } from './outcome.js';
export { parseDuration } from './duration.js';
