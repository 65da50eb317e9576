// Everything that happens to one URL: name resolution, the request, HEAD→GET fallback, redirects,
// retries with back-off, the bare-host HTTPS→HTTP fallback, all under one total deadline.
import type { EngineConfig, Hop, Job, ResultRow } from '../src/messages.js';
import { Codes, classify, codeOf, isNoAnswer, isTransientError, isTransientStatus, shortMessage, type Phase } from '../src/outcome.js';
import { Deadline } from './deadline.js';
import { exchange, ExchangeError, type Answer } from './exchange.js';
import type { HostResolver } from './resolver.js';
import type { ConnectionPools } from './connectionPools.js';

export interface CheckContext {
  pools: ConnectionPools;
  resolver: HostResolver;
  config: EngineConfig;
  /** Request headers, the user agent included. */
  headers: Record<string, string>;
}

/** A failed URL: the code decides the outcome, the phase says whether it was name resolution. */
class Failure {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly phase: Phase,
  ) {}
}

interface Success {
  answer: Answer;
  url: URL;
  method: 'HEAD' | 'GET';
}

/** What one URL's journey collected along the way. */
interface Trail {
  attempts: number;
  hops: Hop[];
  url: URL;
  remoteIp: string | null;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 10_000;

export async function checkUrl(job: Job, ctx: CheckContext): Promise<ResultRow> {
  const started = performance.now();
  const deadline = new Deadline(ctx.config.timeoutMs);
  const trail: Trail = { attempts: 0, hops: [], url: new URL(job.target), remoteIp: null };
  let result: Success | Failure;
  try {
    result = await withRetries(trail.url, ctx, deadline, trail);
    if (job.bare && result instanceof Failure && isNoAnswer(classify(result.code, result.phase)) && !deadline.expired) {
      const plain = new URL(job.target);
      plain.protocol = 'http:';
      trail.hops = [];
      result = await withRetries(plain, ctx, deadline, trail);
    }
  } finally {
    deadline.clear();
  }
  return toRow(job, result, trail, performance.now() - started);
}

async function withRetries(start: URL, ctx: CheckContext, deadline: Deadline, trail: Trail): Promise<Success | Failure> {
  for (let attempt = 1; ; attempt++) {
    trail.attempts++;
    trail.hops = [];
    const result = await followRedirects(start, ctx, deadline, trail);
    if (attempt > ctx.config.retries || deadline.expired) return result;
    const delay =
      result instanceof Failure
        ? isTransientError(result.code) ? backoff(attempt) : null
        : isTransientStatus(result.answer.status) ? retryDelay(result.answer.retryAfter, attempt, ctx.config.retryAfterCapMs) : null;
    if (delay === null || delay >= deadline.remaining()) return result;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function followRedirects(start: URL, ctx: CheckContext, deadline: Deadline, trail: Trail): Promise<Success | Failure> {
  let url = start;
  let method = ctx.config.method;
  const seen = new Set([url.href]);
  for (;;) {
    trail.url = url;
    let answer = await request(url, method, ctx, deadline, trail);
    if (answer instanceof Failure) return answer;
    if (method === 'HEAD' && (answer.status === 405 || answer.status === 501)) {
      method = 'GET';
      answer = await request(url, method, ctx, deadline, trail);
      if (answer instanceof Failure) return answer;
    }
    const next = redirectTarget(answer, url);
    if (!next) return { answer, url, method };
    trail.hops.push({ url: url.href, status: answer.status, location: next.href });
    if (seen.has(next.href)) return new Failure(Codes.redirectLoop, `redirect loop back to ${next.href}`, 'request');
    if (trail.hops.length > ctx.config.maxRedirects) {
      return new Failure(Codes.tooManyRedirects, `more than ${ctx.config.maxRedirects} redirects`, 'request');
    }
    seen.add(next.href);
    url = next;
  }
}

/** Where a 3xx answer points, when it can be followed (an http(s) URL). */
function redirectTarget(answer: Answer, base: URL): URL | null {
  if (answer.status < 300 || answer.status > 399 || answer.status === 304 || !answer.location) return null;
  try {
    const next = new URL(answer.location, base);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return null;
    next.hash = '';
    return next;
  } catch {
    return null;
  }
}

async function request(url: URL, method: 'HEAD' | 'GET', ctx: CheckContext, deadline: Deadline, trail: Trail): Promise<Answer | Failure> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  try {
    // Most requests know their address already (cached, or an IP): no promise on that path.
    trail.remoteIp = (ctx.resolver.known(host) ?? (await withinDeadline(ctx.resolver.resolve(host), deadline))).address;
  } catch (err) {
    return new Failure(codeOf(err), shortMessage(err), 'dns');
  }
  if (deadline.expired) return new Failure(Codes.deadline, shortMessage(deadline.error()), 'request');
  const { config } = ctx;
  try {
    return await exchange(
      ctx.pools,
      { url, method, headers: ctx.headers, headersTimeout: config.headersTimeoutMs, bodyTimeout: config.bodyTimeoutMs },
      deadline,
    );
  } catch (err) {
    const { failure, connected } = err as ExchangeError;
    return new Failure(codeOf(failure), shortMessage(failure), connected ? 'request' : 'connect');
  }
}

/** A lookup counts against the URL's total time too (the shared query itself goes on for other URLs). */
function withinDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    deadline.onExpire = reject;
    work.then(resolve, reject).finally(() => (deadline.onExpire = null));
  });
}

/** Exponential back-off with jitter: half fixed, half random, so retries of many URLs spread out. */
function backoff(attempt: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Honours Retry-After (seconds or an HTTP date) up to the cap; past it, no retry. */
function retryDelay(retryAfter: string | null, attempt: number, capMs: number): number | null {
  if (retryAfter === null) return backoff(attempt);
  const seconds = Number(retryAfter);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
  if (Number.isNaN(ms)) return backoff(attempt);
  return ms > capMs ? null : Math.max(0, ms);
}

function toRow(job: Job, result: Success | Failure, trail: Trail, elapsed: number): ResultRow {
  const row: ResultRow = {
    line: job.line,
    url: job.text,
    host: job.host,
    outcome: 'response',
    status: null,
    error_code: null,
    error_message: null,
    final_url: trail.url.href,
    redirects: trail.hops.length,
    method: null,
    attempts: trail.attempts,
    remote_ip: trail.remoteIp,
    content_type: null,
    content_length: null,
    elapsed_ms: Math.round(elapsed * 100) / 100,
    checked_at: Date.now(),
    hops: trail.hops.length > 0 ? trail.hops : null,
  };
  if (result instanceof Failure) {
    row.outcome = classify(result.code, result.phase);
    row.error_code = result.code;
    row.error_message = result.message;
  } else {
    row.status = result.answer.status;
    row.method = result.method;
    row.content_type = result.answer.contentType;
    row.content_length = result.method === 'GET' ? result.answer.bodyBytes : result.answer.contentLength;
  }
  return row;
}
