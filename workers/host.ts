// One host as a worker thread treats it — what urlsweep does to one host, in one place:
// - a window of requests in flight (--per-host), halved when the host pushes back (429, 503, timeouts in a
//   row) and grown back by one per window of good answers (AIMD, as TCP does);
// - a pace: the user's --host-rate, or a rate learnt from its 429s (the good answers' rate just before,
//   times BACKOFF_RATE), growing back slowly while it answers well;
// - a pause when it says so (Retry-After, capped), or when it answers 429 without saying how long;
// - while connections fail, no more attempts than those already in flight; down after --host-errors
//   failures in a row with no answer (connection failures, and timeouts: a server that accepts and never
//   answers would otherwise cost one --timeout per URL, one at a time): its other URLs are not tried.
// The scheduler asks it when its next request may start; every request tells it how it went.
import type { HostDown, Job, Outcome } from '../src/messages.js';
import { Pace } from './pace.js';
import { Fifo } from '../src/util/fifo.js';

export interface HostPolicy {
  /** The most requests in flight (this worker's share of --per-host). */
  perHost: number;
  /** Requests per second set by the user (this worker's share); null: none. */
  rate: number | null;
  /** Failures in a row with no answer (connection failures, timeouts) that make a host down; 0: never. */
  hostErrors: number;
  /** The longest pause honoured. */
  pauseCapMs: number;
}

/** How one request went, as far as its host's standing goes. */
export type Signal =
  | { kind: 'answer' }
  /** 429 or 503: slow down; `retryAfterMs` when the host said for how long. */
  | { kind: 'pushback'; status: number; retryAfterMs: number | null }
  /** Connected, but the answer (`answered`: its body) did not come in time. */
  | { kind: 'timeout'; code: string; line: number; answered: boolean }
  /** No connection at all: name not found, refused, connect timeout, TLS handshake failure. */
  | { kind: 'unreachable'; outcome: Outcome; code: string; line: number }
  /** Something that says nothing about the host (a broken answer, a bare name's HTTPS probe). */
  | { kind: 'neutral' };

/** A multiplicative cut keeps this share of the window and of the learnt rate. */
const BACKOFF_WINDOW = 0.5;
const BACKOFF_RATE = 0.7;
/** A learnt rate grows by this many requests per second, per second of good answers. */
const RATE_GROWTH_PER_S = 0.25;
/** The slowest pace a learnt rate goes down to. */
const MIN_RATE = 0.2;
/** Cuts come at most once per this long: a burst of 429s from one overload is one signal, not ten. */
const CUT_EVERY_MS = 1000;
/** Timeouts in a row that count as push-back. */
const TIMEOUTS_TO_CUT = 2;
/** A 429 without Retry-After pauses the host this long, doubling for each one in a row. */
const FIRST_PAUSE_MS = 1000;
/** Good answers kept to estimate the rate the host accepted before it pushed back. */
const RECENT_ANSWERS = 32;

export class Host {
  /** Requests in flight. */
  active = 0;
  /** Requests that may be in flight; fractional while it grows back. */
  private window: number;
  private pace: Pace | null;
  /** The pace was learnt from push-back (as opposed to set by the user). */
  private learnt = false;
  private pausedUntil = 0;
  private pushbacks = 0;
  private timeouts = 0;
  private lastCut = -Infinity;
  /** Failures in a row with no answer (connection failures, timeouts), and the URLs they belonged to. */
  private failures = 0;
  private readonly failedUrls = new Set<number>();
  down: HostDown | null = null;
  /** When the latest good answers came (ring), to estimate the rate the host accepted. */
  private readonly answeredAt = new Float64Array(RECENT_ANSWERS);
  private answers = 0;

  /** URLs already running whose next request is for this host: they go first. */
  readonly resumes: Array<(granted: boolean) => void> = [];
  /** URLs not started yet. */
  readonly jobs = new Fifo<Job>();
  /**
   * It had more URLs here than it may run at once, and has not run out since: its own pace, not the
   * thread's slots, decides when they end. (The coordinator keeps a host with URLs to spare at its quota
   * here, at least twice --per-host; a host of --per-host URLs or fewer is never big.)
   */
  big = false;
  /** Scheduler bookkeeping: in its ready line, in its line of big hosts; a wake-up timer; what the coordinator was last told. */
  listed = false;
  listedFirst = false;
  timer: NodeJS.Timeout | null = null;
  reported: number;
  reportedDown = false;
  slowedCounted = false;

  constructor(
    readonly name: string,
    private readonly policy: HostPolicy,
  ) {
    this.window = policy.perHost;
    this.pace = policy.rate === null ? null : new Pace(policy.rate);
    this.reported = this.parallel(0);
  }

  get waiting(): number {
    return this.resumes.length + this.jobs.length;
  }

  /** Whether it is big now (it stays so until its line is empty, so that its last URLs do not wait a round). */
  noteSize(): boolean {
    if (this.waiting === 0) this.big = false;
    else if (this.active + this.waiting > Math.floor(this.window)) this.big = true;
    return this.big;
  }

  /** Milliseconds until its next request may start: 0 now; Infinity while its window is full or it is down. */
  wait(now: number): number {
    if (this.down || this.active >= Math.floor(this.window)) return Infinity;
    return Math.max(this.pausedUntil - now, this.pace ? this.pace.wait(now) : 0, 0);
  }

  start(now: number): void {
    this.active++;
    this.pace?.take(now);
  }

  /** A request ended; what it says about the host. */
  finish(signal: Signal, now: number): void {
    this.active--;
    if (signal.kind === 'answer' || signal.kind === 'pushback' || (signal.kind === 'timeout' && signal.answered)) {
      this.failures = 0;
      this.failedUrls.clear();
    }
    switch (signal.kind) {
      case 'answer':
        this.timeouts = 0;
        this.pushbacks = 0;
        this.grow(now);
        break;
      case 'pushback':
        this.timeouts = 0;
        this.pushbacks++;
        this.cut(now, signal.status === 429);
        if (signal.retryAfterMs !== null) this.pause(now, signal.retryAfterMs);
        else if (signal.status === 429) this.pause(now, FIRST_PAUSE_MS * 2 ** Math.min(this.pushbacks - 1, 16));
        break;
      case 'timeout':
        if (++this.timeouts >= TIMEOUTS_TO_CUT) this.cut(now, false);
        if (!signal.answered) this.failed('timeout', signal.code, signal.line);
        break;
      case 'unreachable':
        // No new connection attempts while those in flight keep failing: a dead host costs one round of
        // connect timeouts, not one per URL. It grows back with its first answers.
        this.window = Math.max(1, Math.min(this.window, this.active));
        this.failed(signal.outcome, signal.code, signal.line);
        break;
    }
  }

  /** One more failure in a row with no answer; after --host-errors of them the host is down. */
  private failed(outcome: Outcome, code: string, line: number): void {
    this.failures++;
    this.failedUrls.add(line);
    if (this.policy.hostErrors === 0 || this.failures < this.policy.hostErrors || this.down) return;
    const urls = this.failedUrls.size;
    this.down = {
      outcome,
      cause: code,
      message:
        `not tried: host down after ${this.failures} failures in a row with no answer ` +
        `(${urls} URL${urls === 1 ? '' : 's'} of this host failed first; last: ${outcome} ${code})`,
    };
  }

  /** Requests it can have running now, as the coordinator counts its capacity. */
  parallel(now: number): number {
    if (this.down || this.pausedUntil > now) return 0;
    return this.pace ? 1 : Math.floor(this.window);
  }

  /** Backing off: a smaller window than allowed, a learnt pace, or a pause. */
  slowed(now: number): boolean {
    return !this.down && (this.window < this.policy.perHost || this.learnt || this.pausedUntil > now);
  }

  /** Idle: nothing in flight or waiting; it may be forgotten (what it learnt goes with it). */
  get idle(): boolean {
    return this.active === 0 && this.waiting === 0;
  }

  private grow(now: number): void {
    if (this.window < this.policy.perHost) this.window = Math.min(this.policy.perHost, this.window + 1 / this.window);
    if (this.learnt && this.pace) {
      // About RATE_GROWTH_PER_S more each second: answers come about `perSecond` times a second.
      this.pace.perSecond += RATE_GROWTH_PER_S / this.pace.perSecond;
      if (this.policy.rate !== null && this.pace.perSecond >= this.policy.rate) {
        this.pace.perSecond = this.policy.rate;
        this.learnt = false;
      }
    }
    this.answeredAt[this.answers++ % RECENT_ANSWERS] = now;
  }

  private cut(now: number, learnRate: boolean): void {
    if (now - this.lastCut < CUT_EVERY_MS) return;
    this.lastCut = now;
    this.window = Math.max(1, this.window * BACKOFF_WINDOW);
    if (!learnRate) return;
    // Nothing accepted lately (its first answer was a 429): start from one a second.
    const accepted = this.pace ? this.pace.perSecond : Math.max(1, this.recentRate(now));
    const rate = Math.max(MIN_RATE, accepted * BACKOFF_RATE);
    if (this.pace) this.pace.perSecond = rate;
    else this.pace = new Pace(rate);
    this.learnt = true;
  }

  /** Good answers per second over the last second (at most the last RECENT_ANSWERS of them). */
  private recentRate(now: number): number {
    const kept = Math.min(this.answers, RECENT_ANSWERS);
    let n = 0;
    let oldest = now;
    for (let i = 0; i < kept; i++) {
      const at = this.answeredAt[i]!;
      if (now - at <= 1000) {
        n++;
        oldest = Math.min(oldest, at);
      }
    }
    if (n < RECENT_ANSWERS) return n;
    return (n * 1000) / Math.max(1, now - oldest);
  }

  private pause(now: number, ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(ms, this.policy.pauseCapMs));
  }
}
