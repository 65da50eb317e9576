// The total time allowed for one URL, redirects and retries included. It starts when the URL's first
// request starts, never while the URL waits in a queue, and it stops while the URL waits for its host's
// turn (the host's window, pace or pause): only the time the URL is being worked on counts.
import { SweepError, Codes } from '../src/outcome.js';

export class Deadline {
  private timer: NodeJS.Timeout | null = null;
  /** Time spent before the current stretch, and when the current stretch began (null: suspended). */
  private spentBefore = 0;
  private since: number | null = null;
  expired = false;
  /** Called once when time runs out: the exchange in progress aborts itself. */
  onExpire: ((err: Error) => void) | null = null;

  constructor(private readonly ms: number) {
    this.resume();
  }

  /** Time worked on so far, ms. */
  spent(): number {
    return this.spentBefore + (this.since === null ? 0 : performance.now() - this.since);
  }

  remaining(): number {
    return Math.max(0, this.ms - this.spent());
  }

  /** The URL waits for its host: the clock stops. */
  suspend(): void {
    if (this.since === null) return;
    this.spentBefore += performance.now() - this.since;
    this.since = null;
    this.clear();
  }

  resume(): void {
    if (this.since !== null || this.expired) return;
    this.since = performance.now();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpire?.(this.error());
    }, this.ms - this.spentBefore);
  }

  /** The failure to record; `connecting` when time ran out before a connection was made. */
  error(connecting = false): Error {
    return connecting
      ? new SweepError(Codes.connectDeadline, `not connected within the total timeout of ${this.ms} ms`)
      : new SweepError(Codes.deadline, `no answer within the total timeout of ${this.ms} ms`);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
