// Result rows that are not the outcome of a request: a line that is not a URL, a URL whose host is down,
// a URL that met a bug. The worker and the coordinator both make them; every column is set here once.
import type { HostDown, Job, ResultRow } from './messages.js';
import { Codes } from './errors.js';

function emptyRow(line: number, url: string, host: string | null): ResultRow {
  return {
    line, url, host, outcome: 'response', status: null, error_code: null, error_message: null, final_url: null,
    redirects: 0, method: null, attempts: 0, remote_ip: null, content_type: null, content_length: null,
    elapsed_ms: null, checked_at: Date.now(), throttled: 0, hops: null,
  };
}

export function invalidRow(line: number, url: string, code: string, message: string): ResultRow {
  return { ...emptyRow(line, url, null), outcome: 'invalid_url', error_code: code, error_message: message };
}

/** A URL not tried (attempts 0): its host failed to connect too often first. */
export function hostDownRow(job: Job, down: HostDown): ResultRow {
  return { ...emptyRow(job.line, job.text, job.host), outcome: down.outcome, error_code: Codes.hostDown, error_message: down.message, final_url: job.target };
}

export function internalErrorRow(job: Job, err: unknown): ResultRow {
  const text = String((err as Error)?.stack ?? err).slice(0, 500);
  return { ...emptyRow(job.line, job.text, job.host), outcome: 'protocol_error', error_code: Codes.internal, error_message: text, final_url: job.target };
}
