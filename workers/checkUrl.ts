// Everything that happens to one URL: name resolution, the request, HEAD→GET fallback, redirects,
// retries with back-off, the bare-host HTTPS→HTTP fallback, all under one total deadline. Every request
// takes a turn on the host it goes to (workers/scheduler.ts); while the URL waits for one, its deadline
// stops. A host that pushes back with a pause (429, or 503 with Retry-After) is waited for without
// spending a retry; a host that goes down ends the URL with the failure it had.
import { isIP } from 'node:net';
import type { EngineConfig, Hop, Job, Outcome, ResultRow } from '../src/messages.js';
import { classify, codeOf, isBrokenConnection, isNoAnswer, isTransientError, isTransientStatus, shortMessage, type Phase } from '../src/result/outcome.js';
import { Codes } from '../src/result/errors.js';
import { Deadline, withinDeadline } from './deadline.js';
import { exchange, ExchangeError, type Answer } from './exchange.js';
import type { HostResolver } from './resolver.js';
import type { ConnectionPools } from './connectionPools.js';
import type { Host, Signal } from './host.js';
import { TurnRefused, type Scheduler } from './scheduler.js';
import { blockedMessage, refusedRange } from './addressPolicy.js';
import { MAX_URL_LENGTH } from '../src/input/parseLine.js';
import { emptyRow } from '../src/result/row.js';
import type { WarcWriter } from './warc/warcWriter.js';
import { WarcWriteError } from './warc/record.js';
import type { ResponseCapture } from './warc/capture.js';
import { backoff, isPushback, parseRetryAfter, pausesHost, retryDelay } from './retryPolicy.js';

export interface CheckContext {
  pools: ConnectionPools;
  resolver: HostResolver;
  config: EngineConfig;
  /** Request headers, the user agent included. */
  headers: Record<string, string>;
  scheduler: Scheduler;
  /** --store-bodies: this thread's WARC files. */
  warc: WarcWriter | null;
  /** The sweep cannot go on (its WARC files cannot be written): the coordinator stops it. */
  fatal(err: Error): void;
}

/**
 * A failed URL: the code decides the outcome (unless given), the phase says whether it was name resolution.
 * `answered`: the response's headers had come (a body that then stopped is not a silent host).
 */
class Failure {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly phase: Phase,
    readonly outcome: Outcome | null = null,
    readonly answered = false,
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
  /** 429 and 503 answers drawn. */
  throttled: number;
  /** --store-bodies: the redirects' exchanges, stored with the final one. */
  captures: ResponseCapture[];
}

/** Times one URL waits for its host's pause without spending a retry; past that, push-back is an ordinary retry. */
const PAUSE_WAITS = 5;
const NEUTRAL: Signal = { kind: 'neutral' };
/** The share of --timeout a request must have had for its timeout to count against its host. */
const FAIR_SHARE = 0.5;

/** One URL on its way: its deadline, and the turn it was started with (used by its first request). */
class Run {
  readonly deadline: Deadline;
  private first: Host | null;
  /** --store-bodies: every exchange captured on the way (retried, redirected from, final). */
  readonly captures: ResponseCapture[] = [];

  constructor(
    readonly job: Job,
    readonly ctx: CheckContext,
    first: Host,
  ) {
    this.deadline = new Deadline(ctx.config.timeoutMs);
    this.first = first;
  }

  /** A turn on host `name`: the starting one, at once when the host may go, or waited for with the clock stopped. */
  turn(name: string): Host | Promise<Host> {
    const first = this.first;
    if (first) {
      this.first = null;
      if (first.name === name) return first;
      this.ctx.scheduler.release(first, NEUTRAL);
    }
    const turn = this.ctx.scheduler.turn(name);
    return turn instanceof Promise ? this.waitFor(turn) : turn;
  }

  private async waitFor(turn: Promise<Host>): Promise<Host> {
    this.deadline.suspend();
    try {
      return await turn;
    } finally {
      this.deadline.resume();
    }
  }

  /** Gives back the starting turn if no request used it. */
  end(): void {
    if (this.first) this.ctx.scheduler.release(this.first, NEUTRAL);
    this.first = null;
    this.deadline.clear();
  }
}

/** The URL's row, or null when the sweep stopped before it was done (a resume redoes it). */
async function check(run: Run): Promise<ResultRow | null> {
  const { job, ctx } = run;
  const trail: Trail = { attempts: 0, hops: [], url: new URL(job.target), remoteIp: null, throttled: 0, captures: [] };
  let result: Success | Failure;
  try {
    // A bare name's HTTPS attempt is a probe: its connection failures say nothing about the host yet.
    result = await withRetries(trail.url, run, trail, job.bare);
    if (job.bare && result instanceof Failure && isNoAnswer(outcomeOf(result)) && !run.deadline.expired) {
      const plain = new URL(job.target);
      plain.protocol = 'http:';
      trail.hops = [];
      trail.captures = [];
      result = await withRetries(plain, run, trail, false);
    }
  } catch (err) {
    if (err instanceof TurnRefused && err.down === null) return null;
    throw err;
  } finally {
    run.end();
  }
  const row = toRow(job, result, trail, run.deadline.spent());
  if (ctx.warc && !(result instanceof Failure) && result.answer.capture) store(ctx.warc, row, [...trail.captures, result.answer.capture]);
  return row;
}

/**
 * The final answer's exchange (after its redirects') appended to the thread's WARC file, and the row names
 * its response record. Only now, once the row is final: a retried or redirected-from answer alone is not kept.
 */
function store(warc: WarcWriter, row: ResultRow, captures: ResponseCapture[]): void {
  const where = warc.append(captures.flatMap((c) => c.members()));
  row.warc_file = where.file;
  row.warc_offset = where.offset;
  row.warc_length = where.length;
}

/** The URL's row, its exchanges stored or given back. */
export async function checkUrl(job: Job, first: Host, ctx: CheckContext): Promise<ResultRow | null> {
  const run = new Run(job, ctx, first);
  try {
    return await check(run);
  } catch (err) {
    // Its row would name a record that is not there: the line is left for a resume, and the sweep stops.
    if (!(err instanceof WarcWriteError)) throw err;
    ctx.fatal(err);
    return null;
  } finally {
    // Those stored were given back as they were written; the rest (retried, failed, stopped) now.
    for (const capture of run.captures) capture.discard();
  }
}

async function withRetries(start: URL, run: Run, trail: Trail, probe: boolean): Promise<Success | Failure> {
  const { config } = run.ctx;
  let retries = 0;
  let waits = 0;
  let last: Success | Failure | null = null;
  /** Where the last attempt went: its hops, their exchanges and its final URL go with its result. */
  let lastTrail = { hops: trail.hops, captures: trail.captures, url: trail.url, remoteIp: trail.remoteIp };
  for (;;) {
    trail.attempts++;
    trail.hops = [];
    trail.captures = [];
    let result: Success | Failure;
    try {
      result = await followRedirects(start, run, trail, probe);
    } catch (err) {
      // The host went down while this URL waited for it: it ends with what it had, or as not tried.
      if (!(err instanceof TurnRefused) || err.down === null) throw err;
      trail.attempts--;
      if (last) Object.assign(trail, lastTrail);
      return last ?? new Failure(Codes.hostDown, err.down.message, 'connect', err.down.outcome);
    }
    last = result;
    lastTrail = { hops: trail.hops, captures: trail.captures, url: trail.url, remoteIp: trail.remoteIp };
    if (run.deadline.expired) return result;
    // A bare name's HTTPS probe refused (a reset, a failed handshake: evidence HTTPS is not served) goes to
    // the HTTP fallback at once; retrying HTTPS first cost back-offs per URL. A connect timeout is no such
    // evidence, and is retried as before.
    if (probe && result instanceof Failure && refusesHttps(outcomeOf(result))) return result;
    if (!(result instanceof Failure) && isPushback(result.answer.status)) {
      trail.throttled++;
      // The host paused itself; the next turn on it comes after the pause, and costs no retry.
      if (pausesHost(result.answer, config.retryAfterCapMs) && waits < PAUSE_WAITS) {
        waits++;
        continue;
      }
    }
    if (retries >= config.retries) return result;
    const delay =
      result instanceof Failure
        ? isTransientError(result.code) ? backoff(retries + 1) : null
        : isTransientStatus(result.answer.status) ? retryDelay(result.answer.retryAfter, retries + 1, config.retryAfterCapMs) : null;
    if (delay === null || delay >= run.deadline.remaining()) return result;
    retries++;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function followRedirects(start: URL, run: Run, trail: Trail, probe: boolean): Promise<Success | Failure> {
  let url = start;
  let method = run.ctx.config.method;
  const seen = new Set([url.href]);
  for (;;) {
    trail.url = url;
    let answer = await request(url, method, run, trail, probe);
    if (answer instanceof Failure) return answer;
    if (method === 'HEAD' && (answer.status === 405 || answer.status === 501)) {
      method = 'GET';
      answer = await request(url, method, run, trail, probe);
      if (answer instanceof Failure) return answer;
    }
    const next = redirectTarget(answer, url);
    if (!next) return { answer, url, method };
    trail.hops.push({ url: url.href, status: answer.status, location: next.href });
    if (answer.capture) trail.captures.push(answer.capture);
    if (seen.has(next.href)) return new Failure(Codes.redirectLoop, `redirect loop back to ${next.href}`, 'request');
    if (trail.hops.length > run.ctx.config.maxRedirects) {
      return new Failure(Codes.tooManyRedirects, `more than ${run.ctx.config.maxRedirects} redirects`, 'request');
    }
    seen.add(next.href);
    url = next;
  }
}

/** Where a 3xx answer points, when it can be followed (an http(s) URL no longer than an input line may be). */
function redirectTarget(answer: Answer, base: URL): URL | null {
  if (answer.status < 300 || answer.status > 399 || answer.status === 304 || !answer.location) return null;
  // A huge Location (100 KB measured: 200 such URLs in flight took the sweep from 125 to 291 MB, copied
  // into hops and rows) is not followed, as a line that long is not read: the 3xx is the answer.
  if (answer.location.length > MAX_URL_LENGTH) return null;
  try {
    const next = new URL(answer.location, base);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return null;
    next.hash = '';
    return next;
  } catch {
    return null;
  }
}

/** One request on a turn of its host; the host hears how it went. */
async function request(url: URL, method: 'HEAD' | 'GET', run: Run, trail: Trail, probe: boolean): Promise<Answer | Failure> {
  const name = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const turn = run.turn(name);
  const host = turn instanceof Promise ? await turn : turn;
  // A request left with less than this of the URL's time is not the host's fault when it times out.
  const fair = run.deadline.remaining() >= run.ctx.config.timeoutMs * FAIR_SHARE;
  let result: Answer | Failure;
  try {
    result = await resolveAndExchange(name, url, method, run, trail);
  } catch (err) {
    run.ctx.scheduler.release(host, NEUTRAL);
    throw err;
  }
  const signal = signalOf(result, run.job.line, fair);
  // A bare name's HTTPS attempt is a probe: no answer over HTTPS says nothing of the host over HTTP.
  const probing = probe && (signal.kind === 'unreachable' || signal.kind === 'timeout');
  run.ctx.scheduler.release(host, probing ? NEUTRAL : signal);
  return result;
}

async function resolveAndExchange(name: string, url: URL, method: 'HEAD' | 'GET', run: Run, trail: Trail): Promise<Answer | Failure> {
  const { ctx, deadline } = run;
  if (ctx.pools.proxy.proxies(url)) {
    // The proxy resolves the name; the address connected to is not ours to know.
    trail.remoteIp = isIP(name) ? name : null;
  } else {
    try {
      // Most requests know their address already (cached, or an IP): no promise on that path. A lookup counts
      // against the URL's total time (the shared query itself goes on for other URLs).
      trail.remoteIp = (ctx.resolver.known(name) ?? (await withinDeadline(ctx.resolver.resolve(name), deadline))).address;
    } catch (err) {
      return new Failure(codeOf(err), shortMessage(err), 'dns');
    }
  }
  if (deadline.expired) return new Failure(Codes.deadline, shortMessage(deadline.error()), 'request');
  const { config } = ctx;
  if (config.blockPrivate && trail.remoteIp !== null) {
    // IP literals never reach the connector's lookup, which checks what names resolve to when they connect.
    const range = refusedRange(trail.remoteIp);
    if (range) return new Failure(Codes.blocked, blockedMessage(trail.remoteIp, range), 'connect');
  }
  const req = { url, method, headers: ctx.headers, headersTimeout: config.headersTimeoutMs, bodyTimeout: config.bodyTimeoutMs, maxBody: config.maxBody, spillTo: config.warc };
  const send = async (fresh: boolean): Promise<Answer> => {
    const answer = await exchange(ctx.pools, req, deadline, fresh);
    if (answer.capture) {
      answer.capture.remoteIp = trail.remoteIp;
      run.captures.push(answer.capture);
    }
    return answer;
  };
  let failed: ExchangeError;
  try {
    return await send(false);
  } catch (err) {
    failed = err as ExchangeError;
  }
  // Lost before any answer on a connection kept alive from an earlier request: the server may have given
  // it up (closed it, left stray bytes on it). Once more on a connection of its own, as browsers do (no
  // retry spent, no back-off); only if that fails too is it the URL's failure. A second try that runs out
  // of time says less than the first failure, which is kept.
  if (failed.reused && failed.connected && !failed.answered && isBrokenConnection(codeOf(failed.failure)) && !deadline.expired) {
    trail.attempts++;
    try {
      return await send(true);
    } catch (err) {
      if (!deadline.expired) failed = err as ExchangeError;
    }
  }
  const { failure, connected, answered } = failed;
  return new Failure(codeOf(failure), shortMessage(failure), connected ? 'request' : 'connect', null, answered);
}

/** What a request's result says about its host; a timeout only when the request had a fair share of --timeout. */
function signalOf(result: Answer | Failure, line: number, fair: boolean): Signal {
  if (!(result instanceof Failure)) {
    if (!isPushback(result.status)) return { kind: 'answer' };
    return { kind: 'pushback', status: result.status, retryAfterMs: parseRetryAfter(result.retryAfter) };
  }
  const outcome = outcomeOf(result);
  // The user's policy, or the proxy's failure: not the host's.
  if (outcome === 'blocked' || outcome === 'proxy_error') return NEUTRAL;
  if (result.phase !== 'request') return { kind: 'unreachable', outcome, code: result.code, line };
  if (outcome !== 'timeout' || !fair) return NEUTRAL;
  return { kind: 'timeout', code: result.code, line, answered: result.answered };
}

function outcomeOf(failure: Failure): Outcome {
  return failure.outcome ?? classify(failure.code, failure.phase);
}

/** What a bare name's HTTPS probe takes as its answer that HTTPS is not served there. */
function refusesHttps(outcome: Outcome): boolean {
  return outcome === 'connect_refused' || outcome === 'tls_error';
}

function toRow(job: Job, result: Success | Failure, trail: Trail, elapsed: number): ResultRow {
  const row: ResultRow = {
    ...emptyRow(job.line, job.text, job.host, job.source),
    final_url: trail.url.href,
    redirects: trail.hops.length,
    attempts: trail.attempts,
    remote_ip: trail.remoteIp,
    elapsed_ms: Math.round(elapsed * 100) / 100,
    throttled: trail.throttled,
    hops: trail.hops.length > 0 ? trail.hops : null,
  };
  if (result instanceof Failure) {
    row.outcome = outcomeOf(result);
    row.error_code = result.code;
    row.error_message = result.message;
  } else {
    row.status = result.answer.status;
    row.method = result.method;
    row.content_type = result.answer.contentType;
    row.content_length = result.method === 'GET' ? result.answer.bodyBytes : result.answer.contentLength;
    row.headers = result.answer.headers;
    const body = result.answer.body;
    if (body) {
      row.body_sha256 = body.sha256;
      row.title = body.title;
      row.truncated = body.truncated ? 1 : 0;
    }
  }
  return row;
}
