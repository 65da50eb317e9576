// Request rates as spacing: a request may start once `1/rate` has passed since the previous one's slot
// (GCRA, the token bucket's exact form with a bucket of one). No sleeps and no bursts: at most rate+1
// starts fall in any one-second window, and a late timer costs at most its own lateness.

/** One host's pace, in one worker thread. */
export class Pace {
  /** Earliest time (performance.now() ms) the next request may start. */
  private next = 0;

  constructor(public perSecond: number) {}

  /** Milliseconds until a request may start; 0: now. */
  wait(now: number): number {
    return Math.max(0, this.next - now);
  }

  /** A request starts now. */
  take(now: number): void {
    this.next = Math.max(this.next, now) + 1000 / this.perSecond;
  }
}

/**
 * The whole sweep's pace (`--rate`), shared by every worker thread through one SharedArrayBuffer: the
 * next allowed start in microseconds of wall time, claimed with a compare-and-swap so two threads never
 * take the same slot.
 */
export class SharedPace {
  private readonly next: BigInt64Array;
  private readonly intervalUs: bigint;

  constructor(buffer: SharedArrayBuffer, perSecond: number) {
    this.next = new BigInt64Array(buffer);
    this.intervalUs = BigInt(Math.max(1, Math.round(1e6 / perSecond)));
  }

  /** A buffer for `--rate`, made once by the coordinator and handed to every worker. */
  static buffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(8);
  }

  /** Takes the next slot when it has come (0), or says how many ms until it comes (nothing taken). */
  tryTake(): number {
    // timeOrigin + now() is wall time on a monotonic clock, comparable between threads of one process.
    const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    for (;;) {
      const next = Atomics.load(this.next, 0);
      if (next > now) return Number(next - now) / 1000;
      if (Atomics.compareExchange(this.next, 0, next, now + this.intervalUs) === next) return 0;
    }
  }
}
