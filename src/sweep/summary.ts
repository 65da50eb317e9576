// The end-of-sweep summary: counts over the whole database (a resumed sweep included), latency and
// rate of this run.
import type { ResultStore } from '../store/resultStore.js';
import type { SweepStats } from './sweepStats.js';
import { outcomeCounts, STATUS_CLASS_SQL } from '../result/row.js';
import { readHostStats, type HostStats } from '../report/hostStats.js';

/** Hosts named in each list of the summary (the report names ten). */
const SUMMARY_HOSTS = 3;

export interface SweepSummary {
  db: string;
  /** The database already held a finished sweep of this input: nothing was done. */
  alreadyComplete: boolean;
  /** What stopped this run early (SIGINT, SIGTERM, …); null when it ran to the end. */
  interrupted: string | null;
  /** Worker threads that died during this run and were replaced (their URLs were sent again). */
  workerRestarts: number;
  /** Rows in the database. */
  total: number;
  /** Rows recorded by this run. */
  recorded: number;
  byOutcome: Record<string, number>;
  /** `2xx`, `3xx`, … for responses. */
  byStatusClass: Record<string, number>;
  /** Response latency of this run, ms; null when it had none. */
  latency: { p50: number | null; p90: number | null; p99: number | null };
  elapsedMs: number;
  /** Of that, building the indexes when the sweep ended; null when this run did not. */
  indexMs: number | null;
  /** Rows recorded per second by this run. */
  rate: number;
  /** The sweep's hosts, from the indexes built when it finished; null before (an interrupted run). */
  hosts: HostStats | null;
  /** This run's URLs not tried because their host was down, and the 429/503 answers it drew. */
  notTried: number;
  throttled: number;
  /** The process's peak resident memory so far, every thread, MB. */
  peakRssMb: number;
}

export function summarize(
  store: ResultStore,
  stats: SweepStats | null,
  end: { alreadyComplete?: boolean; interrupted?: string | null },
): SweepSummary {
  const elapsedMs = stats ? Date.now() - stats.startedAt : 0;
  const byOutcome: Record<string, number> = {};
  let total = 0;
  for (const { outcome, urls } of outcomeCounts(store.db)) {
    byOutcome[outcome] = urls;
    total += urls;
  }
  const byStatusClass: Record<string, number> = {};
  const classes = store.db
    .prepare(`SELECT ${STATUS_CLASS_SQL} AS class, count(*) AS n FROM results WHERE outcome = 'response' GROUP BY status / 100 ORDER BY class`)
    .all() as Array<{ class: string; n: number }>;
  for (const r of classes) byStatusClass[r.class] = r.n;
  const h = stats?.latency;
  const indexed = store.indexed();
  return {
    db: store.path,
    alreadyComplete: end.alreadyComplete ?? false,
    interrupted: end.interrupted ?? null,
    workerRestarts: stats?.workerRestarts ?? 0,
    total,
    recorded: stats?.recorded ?? 0,
    byOutcome,
    byStatusClass,
    latency: { p50: h?.percentile(0.5) ?? null, p90: h?.percentile(0.9) ?? null, p99: h?.percentile(0.99) ?? null },
    elapsedMs,
    indexMs: stats?.indexMs ?? null,
    rate: elapsedMs > 0 && stats ? (stats.recorded * 1000) / elapsedMs : 0,
    hosts: indexed ? readHostStats(store.db, SUMMARY_HOSTS) : null,
    notTried: stats?.notTried ?? 0,
    throttled: stats?.throttled ?? 0,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
