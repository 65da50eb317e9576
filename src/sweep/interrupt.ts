// How a caller stops a sweep (the CLI wires Ctrl-C and SIGTERM to it): the first request stops reading
// and lets requests in flight finish within a grace period; the second abandons them at once. Either
// way what was done is committed and a rerun resumes.
export class Interrupt {
  /** 0: running; 1: stopping gracefully; 2: aborting. */
  private level = 0;
  /** What asked first (e.g. SIGINT), for the exit status and the message. */
  reason: string | null = null;
  // One promise per level, shared by every waiter: a sweep waits on it at every pause of the reader.
  private wake!: () => void;
  private pending = this.fresh();

  private fresh(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  request(reason: string): void {
    this.reason ??= reason;
    if (this.level < 2) this.level++;
    const wake = this.wake;
    this.pending = this.fresh();
    wake();
  }

  get stopping(): boolean {
    return this.level >= 1;
  }

  get aborting(): boolean {
    return this.level >= 2;
  }

  /** Resolves at the next request. */
  next(): Promise<void> {
    return this.pending;
  }
}
