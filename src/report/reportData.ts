// What `urlsweep report` shows, gathered from a sweep's database. Every figure is aggregated by SQLite
// (index-only scans where the end-of-run indexes exist), so a 100M-row database never passes through
// JavaScript row by row: memory stays flat, whatever the size of the sweep.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UsageError } from '../result/errors.js';
import type { Outcome } from '../messages.js';
import { isFailure, outcomeCounts, statusClass } from '../result/row.js';
import { readHostStats, type HostStats } from './hostStats.js';

export interface Count<K> {
  key: K;
  urls: number;
}

export interface LatencyBucket {
  /** Lower bound, inclusive, in ms. */
  fromMs: number;
  /** Upper bound, exclusive, in ms; null for the last, open bucket. */
  toMs: number | null;
  urls: number;
}

export interface RateBucket {
  /** Unix ms at the start of the bucket. */
  at: number;
  /** URLs recorded in the bucket. */
  urls: number;
}

export interface ReportData {
  db: string;
  runs: { id: number; startedAt: number; endedAt: number | null; state: string; version: string }[];
  total: number;
  /** URLs tried that got no response (src/result/row.ts isFailure): what the progress line counts too. */
  failures: number;
  outcomes: Count<string>[];
  statusClasses: Count<string>[];
  /** The most frequent status codes, most frequent first. */
  statusCodes: Count<number>[];
  latency: {
    /** Rows with a time (every outcome but invalid_url). */
    timed: number;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    max: number | null;
    buckets: LatencyBucket[];
  };
  /** URLs recorded per time bucket; estimated from `sampled` rows when there are more than RATE_SAMPLE. */
  rate: { bucketMs: number; buckets: RateBucket[]; sampled: number };
  /** Hosts with the most failed URLs, most first. */
  failingHosts: { host: string; urls: number; failures: number; topError: string | null }[];
  /** The slowest and busiest hosts, those found down and those that pushed back. */
  hosts: HostStats;
  /** False while a sweep is unfinished: the report then scans the table instead of the indexes. */
  indexed: boolean;
}

/** Latency bucket edges in ms: 1-2-5 steps, which read well on a log axis and in a table. */
const LATENCY_EDGES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 60_000];
/** Buckets of the rate over time: enough for a chart, few enough for a terminal line. */
const RATE_BUCKETS = 60;
const RATE_SAMPLE = 60_000;
const TOP_HOSTS = 10;
const TOP_STATUS_CODES = 15;

export function readReport(path: string): ReportData {
  if (!existsSync(path)) throw new UsageError(`no database at ${path}`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
    if (!tables.has('results') || !tables.has('runs')) throw new UsageError(`${path} is not an urlsweep database (no results table)`);
    const outcomes: Count<string>[] = outcomeCounts(db).map(({ outcome, urls }) => ({ key: outcome, urls }));
    const statusCodes = db
      .prepare(`SELECT status AS key, count(*) AS urls FROM results WHERE status IS NOT NULL GROUP BY status ORDER BY urls DESC, status`)
      .all() as Count<number>[];
    const total = outcomes.reduce((sum, o) => sum + o.urls, 0);
    const failed = outcomes.filter((o) => isFailure(o.key as Outcome));
    return {
      db: path,
      runs: readRuns(db),
      total,
      failures: failed.reduce((sum, o) => sum + o.urls, 0),
      outcomes,
      statusClasses: statusClasses(statusCodes),
      statusCodes: statusCodes.slice(0, TOP_STATUS_CODES),
      latency: readLatency(db),
      rate: readRate(db, total),
      failingHosts: readFailingHosts(db, failed.map((o) => o.key)),
      hosts: readHostStats(db),
      indexed: (db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'results_elapsed'`).pluck().get() as number) > 0,
    };
  } finally {
    db.close();
  }
}

function readRuns(db: Database.Database): ReportData['runs'] {
  return db
    .prepare(`SELECT id, started_at AS startedAt, ended_at AS endedAt, state, urlsweep_version AS version FROM runs ORDER BY id`)
    .all() as ReportData['runs'];
}

function statusClasses(codes: Count<number>[]): Count<string>[] {
  const classes = new Map<string, number>();
  for (const { key, urls } of codes) {
    const name = statusClass(key);
    classes.set(name, (classes.get(name) ?? 0) + urls);
  }
  return [...classes].map(([key, urls]) => ({ key, urls })).sort((a, b) => a.key.localeCompare(b.key));
}

function readLatency(db: Database.Database): ReportData['latency'] {
  // One range count per bucket: each walks its stretch of the elapsed_ms index once, together one pass
  // (ten times quicker than grouping by a CASE expression, which needs a temporary b-tree).
  const inRange = db.prepare(`SELECT count(*) FROM results WHERE elapsed_ms >= ? AND elapsed_ms < ?`).pluck();
  const buckets: LatencyBucket[] = [0, ...LATENCY_EDGES].map((fromMs, i) => {
    const toMs = LATENCY_EDGES[i] ?? null;
    return { fromMs, toMs, urls: inRange.get(fromMs, toMs ?? Number.MAX_VALUE) as number };
  });
  const timed = buckets.reduce((sum, b) => sum + b.urls, 0);
  // The bucket counts locate each percentile's bucket; one index seek from that bucket's lower edge gives
  // the exact value without stepping over the rows below it.
  const nth = db.prepare(`SELECT elapsed_ms FROM results WHERE elapsed_ms >= ? ORDER BY elapsed_ms LIMIT 1 OFFSET ?`).pluck();
  const percentile = (q: number): number | null => {
    if (timed === 0) return null;
    let rank = Math.max(1, Math.ceil(q * timed));
    for (const b of buckets) {
      if (rank <= b.urls) return nth.get(b.fromMs, rank - 1) as number;
      rank -= b.urls;
    }
    return null;
  };
  const max = db.prepare(`SELECT max(elapsed_ms) FROM results`).pluck().get() as number | null;
  return { timed, p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max, buckets: trimEmpty(buckets) };
}

/** Drop the empty buckets outside the fastest and slowest URL: a sweep of 2 ms answers needs no 60 s column. */
function trimEmpty(buckets: LatencyBucket[]): LatencyBucket[] {
  const first = buckets.findIndex((b) => b.urls > 0);
  if (first < 0) return [];
  let end = buckets.length;
  while (buckets[end - 1]!.urls === 0) end--;
  return buckets.slice(first, end);
}

function readRate(db: Database.Database, total: number): ReportData['rate'] {
  const lines = db.prepare(`SELECT min(line) AS first, max(line) AS last FROM results`).get() as { first: number | null; last: number | null };
  if (lines.first === null || lines.last === null) return { bucketMs: 0, buckets: [], sampled: 0 };
  // A full scan of checked_at would read the whole table (minutes at 100M rows, and no index is worth its
  // build time for this). Every step-th line instead, fetched by primary key: exact up to RATE_SAMPLE rows,
  // within a few per cent beyond, in milliseconds whatever the size.
  const step = Math.max(1, Math.floor((lines.last - lines.first + 1) / RATE_SAMPLE));
  const sampleSql = `WITH RECURSIVE pick(line) AS (SELECT ${lines.first} UNION ALL SELECT line + ${step} FROM pick WHERE line + ${step} <= ${lines.last})
    SELECT checked_at FROM pick JOIN results USING (line)`;
  const span = db.prepare(`SELECT min(checked_at) AS first, max(checked_at) AS last, count(*) AS n FROM (${sampleSql})`).get() as {
    first: number;
    last: number;
    n: number;
  };
  // Whole seconds per bucket, so the chart's rate reads as URLs per second.
  const bucketMs = Math.max(1_000, Math.ceil((span.last - span.first + 1) / RATE_BUCKETS / 1_000) * 1_000);
  // Integer literals, not parameters: better-sqlite3 binds numbers as REAL, and a REAL divisor would make
  // a group per distinct millisecond.
  const counts = new Map(
    (db.prepare(`SELECT (checked_at - ${Math.floor(span.first)}) / ${bucketMs} AS bucket, count(*) AS n FROM (${sampleSql}) GROUP BY bucket`).all() as {
      bucket: number;
      n: number;
    }[]).map((b) => [b.bucket, b.n]),
  );
  const scale = total / span.n;
  const n = Math.floor((span.last - span.first) / bucketMs) + 1;
  // Empty buckets stay in (a pause between runs shows as a gap at zero, which is what happened).
  const buckets = Array.from({ length: n }, (_, i) => ({ at: span.first + i * bucketMs, urls: Math.round((counts.get(i) ?? 0) * scale) }));
  return { bucketMs, buckets, sampled: span.n };
}

function readFailingHosts(db: Database.Database, failures: string[]): ReportData['failingHosts'] {
  if (failures.length === 0) return [];
  // An IN list lets the outcome index find the failures (a `<> 'response'` test would walk every row).
  const hosts = db
    .prepare(
      `SELECT host, count(*) AS failures FROM results WHERE outcome IN (${failures.map(() => '?').join(', ')}) AND host IS NOT NULL
       GROUP BY host ORDER BY failures DESC, host LIMIT ${TOP_HOSTS}`,
    )
    .all(...failures) as { host: string; failures: number }[];
  const urls = db.prepare(`SELECT count(*) FROM results WHERE host = ?`).pluck();
  const topError = db
    .prepare(
      `SELECT coalesce(error_code, outcome) FROM results WHERE host = ? AND outcome <> 'response'
       GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
    )
    .pluck();
  return hosts.map((h) => ({
    host: h.host,
    urls: urls.get(h.host) as number,
    failures: h.failures,
    topError: topError.get(h.host) as string | null,
  }));
}
