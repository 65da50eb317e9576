// The hosts of a sweep, for the summary and the report: the slowest, the busiest, those found down and
// those that pushed back. Aggregated by SQLite on the indexes built when a sweep ends: results_host
// (host, elapsed_ms, attempts) covers the first two, the partial indexes on down hosts' and throttled
// rows the others, so none of it reads the table row by row.
import type Database from 'better-sqlite3';
import { Codes } from '../result/errors.js';

export interface HostStats {
  /** Distinct hosts with a row. */
  hosts: number;
  /** By average time per URL, among hosts with at least SLOWEST_MIN_URLS timed URLs. */
  slowest: Array<{ host: string; urls: number; avgMs: number; maxMs: number }>;
  /** By requests made (retries and fallbacks included; redirect hops count where they started). */
  busiest: Array<{ host: string; urls: number; requests: number }>;
  /** Hosts found down: URLs recorded untried, URLs tried, and the failure that made them down. */
  down: { hosts: number; urls: number; top: Array<{ host: string; notTried: number; tried: number; outcome: string; code: string | null }> };
  /** Hosts that answered 429 or 503 (and were slowed down): such answers drawn, the URLs that drew them, those that still ended with one. */
  pushedBack: { hosts: number; answers: number; top: Array<{ host: string; urls: number; answers: number; endedThrottled: number }> };
}

const TOP = 10;
const SLOWEST_MIN_URLS = 5;

export function readHostStats(db: Database.Database, top = TOP): HostStats {
  const hosts = db.prepare('SELECT count(DISTINCT host) FROM results').pluck().get() as number;
  const slowest = db
    .prepare(
      `SELECT host, count(*) AS urls, avg(elapsed_ms) AS avgMs, max(elapsed_ms) AS maxMs FROM results
       WHERE host IS NOT NULL AND elapsed_ms IS NOT NULL GROUP BY host HAVING urls >= ${SLOWEST_MIN_URLS}
       ORDER BY avgMs DESC, host LIMIT ${top}`,
    )
    .all() as HostStats['slowest'];
  const busiest = db
    .prepare(
      `SELECT host, count(*) AS urls, sum(attempts) AS requests FROM results WHERE host IS NOT NULL
       GROUP BY host ORDER BY requests DESC, host LIMIT ${top}`,
    )
    .all() as HostStats['busiest'];
  return { hosts, slowest, busiest, down: readDown(db, top), pushedBack: readPushedBack(db, top) };
}

function readDown(db: Database.Database, top: number): HostStats['down'] {
  // `error_code = ?` in these statements is the partial index's own condition, so SQLite uses it.
  const totals = db
    .prepare(`SELECT count(DISTINCT host) AS hosts, count(*) AS urls FROM results WHERE error_code = '${Codes.hostDown}'`)
    .get() as { hosts: number; urls: number };
  const rows = db
    .prepare(
      `SELECT host, count(*) AS notTried, min(outcome) AS outcome FROM results WHERE error_code = '${Codes.hostDown}'
       GROUP BY host ORDER BY notTried DESC, host LIMIT ${top}`,
    )
    .all() as Array<{ host: string; notTried: number; outcome: string }>;
  const urls = db.prepare('SELECT count(*) FROM results WHERE host = ?').pluck();
  // What the URLs that were tried failed with.
  const code = db.prepare(`SELECT error_code FROM results WHERE host = ? AND attempts > 0 AND error_code IS NOT NULL LIMIT 1`).pluck();
  return {
    ...totals,
    top: rows.map((r) => ({ ...r, tried: (urls.get(r.host) as number) - r.notTried, code: (code.get(r.host) as string | undefined) ?? null })),
  };
}

function readPushedBack(db: Database.Database, top: number): HostStats['pushedBack'] {
  const totals = db
    .prepare('SELECT count(DISTINCT host) AS hosts, coalesce(sum(throttled), 0) AS answers FROM results WHERE throttled > 0')
    .get() as { hosts: number; answers: number };
  const rows = db
    .prepare(
      `SELECT host, count(*) AS urls, sum(throttled) AS answers, sum(status IN (429, 503)) AS endedThrottled FROM results
       WHERE throttled > 0 GROUP BY host ORDER BY answers DESC, host LIMIT ${top}`,
    )
    .all() as HostStats['pushedBack']['top'];
  return { ...totals, top: rows };
}
