// urlsweep as a library: everything the CLI does is reachable from here, and the simulated internet
// from `urlsweep/sim` (kept apart so that importing the library does not load it).
export { runSweep, GRACE_MS, type SweepListener } from './sweep/sweep.js';
export { Codes, CodedError, QueryError, StoreError, SweepError, UrlsweepError, UsageError, WorkerLostError } from './result/errors.js';
export { Interrupt } from './sweep/interrupt.js';
export { defaultOptions, type SweepOptions } from './options/sweepOptions.js';
export type { SweepSummary } from './sweep/summary.js';
export type { ProgressSnapshot } from './sweep/sweepStats.js';
export type { Outcome, ResultRow } from './messages.js';
export { classify } from './result/outcome.js';
export { parseDuration } from './options/duration.js';
export { OUTCOMES } from './messages.js';
export { checkResolver, parseHeader, readCa, redoList, resolveTimeouts } from './options/optionChecks.js';
export { resolveProxy, type ProxyConfig } from './options/proxySettings.js';
export { parseRate } from './options/rate.js';
export { runQuery, type QueryOptions } from './query/runQuery.js';
export { writeStoredBody, type BodyOptions } from './query/storedBody.js';
export { parseSize } from './options/size.js';
export { parseShard, shardOfHost, type Shard } from './options/shard.js';
export { mergeShards, type MergeOptions, type MergeSummary } from './merge/mergeShards.js';
export { readReport, type ReportData } from './report/reportData.js';
export { reportText } from './report/reportText.js';
export { reportHtml, writeReportHtml } from './report/reportHtml.js';
