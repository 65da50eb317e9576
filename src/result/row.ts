// A result row and what is read from rows: its constructors (every column is set here once), what
// counts as a failure, the status class, and the same in SQL, for the progress line, the summary, the
// report and the views to agree.
import type { Database } from 'better-sqlite3';
import type { HostDown, Job, Outcome, ResultRow } from '../messages.js';
import { Codes } from './errors.js';

/** A failure: a URL tried that got no HTTP response. A line that is not a URL is not one: nothing was tried. */
export function isFailure(outcome: Outcome): boolean {
  return outcome !== 'response' && outcome !== 'invalid_url';
}

/** isFailure, as an SQL condition on `results`. */
export const FAILURE_SQL = `outcome NOT IN ('response', 'invalid_url')`;

/** `2xx`, `4xx`, … */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/** statusClass, as an SQL expression on `results` (NULL where there is no status). */
export const STATUS_CLASS_SQL = `(status / 100) || 'xx'`;

/** Rows by outcome, most first. */
export function outcomeCounts(db: Database): Array<{ outcome: Outcome; urls: number }> {
  return db.prepare(`SELECT outcome, count(*) AS urls FROM results GROUP BY outcome ORDER BY urls DESC, outcome`).all() as Array<{ outcome: Outcome; urls: number }>;
}

/** A row with every column at its empty value; the constructors below and checkUrl fill in theirs. */
export function emptyRow(line: number, url: string, host: string | null, source: string | null = null): ResultRow {
  return {
    line, url, host, source, outcome: 'response', status: null, error_code: null, error_message: null, final_url: null,
    redirects: 0, method: null, attempts: 0, remote_ip: null, content_type: null, content_length: null,
    elapsed_ms: null, checked_at: Date.now(), throttled: 0, hops: null,
  };
}

export function invalidRow(line: number, url: string, code: string, message: string, source: string | null = null): ResultRow {
  return { ...emptyRow(line, url, null, source), outcome: 'invalid_url', error_code: code, error_message: message };
}

/** A URL not tried (attempts 0): its host failed to connect too often first. */
export function hostDownRow(job: Job, down: HostDown): ResultRow {
  return { ...emptyRow(job.line, job.text, job.host, job.source), outcome: down.outcome, error_code: Codes.hostDown, error_message: down.message, final_url: job.target };
}

export function internalErrorRow(job: Job, err: unknown): ResultRow {
  const text = String((err as Error)?.stack ?? err).slice(0, 500);
  return { ...emptyRow(job.line, job.text, job.host, job.source), outcome: 'protocol_error', error_code: Codes.internal, error_message: text, final_url: job.target };
}
