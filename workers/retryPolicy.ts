// When to try a URL again and how long to wait first: exponential back-off with jitter for failures,
// and what a host's Retry-After says, up to a cap.
import type { Answer } from './exchange.js';

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;

/** 429 Too Many Requests and 503 Service Unavailable: the host asks us to slow down. */
export function isPushback(status: number): boolean {
  return status === 429 || status === 503;
}

/** Whether the answer paused its host (workers/host.ts): a 429, or a 503 saying for how long, within the cap. */
export function pausesHost(answer: Pick<Answer, 'status' | 'retryAfter'>, capMs: number): boolean {
  const ms = parseRetryAfter(answer.retryAfter);
  if (ms !== null) return ms <= capMs;
  return answer.status === 429;
}

/** Exponential back-off with jitter: half fixed, half random, so retries of many URLs spread out. */
export function backoff(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Retry-After as milliseconds (seconds or an HTTP date); null when absent or unreadable. */
export function parseRetryAfter(retryAfter: string | null): number | null {
  if (retryAfter === null) return null;
  const seconds = Number(retryAfter);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
  return Number.isNaN(ms) ? null : Math.max(0, ms);
}

/** Honours Retry-After up to the cap; past it, no retry. */
export function retryDelay(retryAfter: string | null, attempt: number, capMs: number): number | null {
  const ms = parseRetryAfter(retryAfter);
  if (ms === null) return backoff(attempt);
  return ms > capMs ? null : ms;
}
