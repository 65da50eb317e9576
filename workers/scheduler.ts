// Decides which URL starts next in one worker: at most `concurrency` in flight in the thread and
// `perHost` per host. A URL whose host is at its cap waits in that host's own line, so it never holds
// up URLs of other hosts. A URL's deadline starts only when it leaves the queue.
import type { Job, ResultRow } from '../src/messages.js';

interface HostState {
  active: number;
  waiting: Job[];
}

export class Scheduler {
  private readonly queue: Job[] = [];
  private head = 0;
  private readonly hosts = new Map<string, HostState>();
  private active = 0;

  constructor(
    private readonly concurrency: number,
    private readonly perHost: number,
    private readonly run: (job: Job) => Promise<ResultRow>,
    private readonly onResult: (row: ResultRow) => void,
  ) {}

  /** Requests in flight plus URLs waiting in this worker. */
  /** Jobs waiting in their host's line (the host is at its cap). */
  private waiting = 0;

  get pending(): number {
    return this.active + this.queue.length - this.head + this.waiting;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.active;
  }

  /** Nothing in flight, queued or waiting for its host: the worker may say it is done. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Forgets the jobs that have not started (an interrupted sweep redoes them on resume). */
  dropQueued(): void {
    this.queue.length = 0;
    this.head = 0;
    for (const host of this.hosts.values()) host.waiting.length = 0;
    this.waiting = 0;
  }

  add(jobs: Job[]): void {
    for (const job of jobs) this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.head < this.queue.length) {
      const job = this.queue[this.head++]!;
      const host = this.hostState(job.host);
      if (host.active >= this.perHost) {
        host.waiting.push(job);
        this.waiting++;
      } else this.start(job, host);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 4096) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private hostState(name: string): HostState {
    let state = this.hosts.get(name);
    if (!state) {
      state = { active: 0, waiting: [] };
      this.hosts.set(name, state);
    }
    return state;
  }

  private start(job: Job, host: HostState): void {
    this.active++;
    host.active++;
    this.run(job).then(
      (row) => this.finished(job, host, row),
      // checkUrl turns every failure into a row; reaching here is a bug, reported on the row rather than lost.
      (err: Error) => this.finished(job, host, bugRow(job, err)),
    );
  }

  private finished(job: Job, host: HostState, row: ResultRow): void {
    this.active--;
    host.active--;
    // The next job takes the slot before the result is handed on: handing it on may flush and ask
    // whether the worker is idle, which it is not while this host still has jobs waiting.
    const next = host.waiting.shift();
    if (next) {
      this.waiting--;
      this.start(next, host);
    } else if (host.active === 0) this.hosts.delete(job.host);
    this.onResult(row);
    this.pump();
  }
}

function bugRow(job: Job, err: Error): ResultRow {
  return {
    line: job.line, url: job.text, host: job.host, outcome: 'protocol_error', status: null,
    error_code: 'URLSWEEP_INTERNAL', error_message: String(err?.stack ?? err).slice(0, 500), final_url: job.target,
    redirects: 0, method: null, attempts: 0, remote_ip: null, content_type: null, content_length: null,
    elapsed_ms: null, checked_at: Date.now(), hops: null,
  };
}
