// The total time allowed for one URL, redirects and retries included. It starts when the URL's first
// request starts, never while the URL waits in a queue.
import { SweepError, Codes } from '../src/outcome.js';

export class Deadline {
  private readonly timer: NodeJS.Timeout;
  private readonly endsAt: number;
  expired = false;
  /** Called once when time runs out: the exchange in progress aborts itself. */
  onExpire: ((err: Error) => void) | null = null;

  constructor(private readonly ms: number) {
    this.endsAt = performance.now() + ms;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpire?.(this.error());
    }, ms);
  }

  remaining(): number {
    return Math.max(0, this.endsAt - performance.now());
  }

  /** The failure to record; `connecting` when time ran out before a connection was made. */
  error(connecting = false): Error {
    return connecting
      ? new SweepError(Codes.connectDeadline, `not connected within the total timeout of ${this.ms} ms`)
      : new SweepError(Codes.deadline, `no answer within the total timeout of ${this.ms} ms`);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
