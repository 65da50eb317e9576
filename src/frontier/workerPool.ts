// The coordinator's side of the worker threads: a Piscina pool where each worker runs one long-lived
// task fed over its own MessagePort. The pool only carries URLs out and results back; how many each
// worker may hold is the frontier's decision (src/frontier/frontier.ts). The URLs sent and not answered
// are kept, so a worker that dies is replaced and its unfinished URLs are sent again.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineConfig, FromWorker, HostReport, Job, ResultRow, ToWorker, WorkerTask } from '../messages.js';
import { StoreError, WorkerLostError } from '../result/errors.js';

const WORKER_FILE = fileURLToPath(new URL('../../workers/sweepWorker.js', import.meta.url));
/** URLs are sent to a worker in batches of this size (or fewer when the input pauses). */
export const SEND_BATCH = 256;
/** Workers lost in one sweep before it gives up: past this, something is wrong beyond one bad moment. */
export const MAX_RESTARTS = 10;
/** A worker's heap may not grow past this; one that does is replaced like a crashed one. */
const WORKER_HEAP_MB = 1024;
/**
 * A worker's young generation. V8's default on this size of machine is 48 MB, mostly short-lived request
 * garbage that one scavenge would free; 16 MB saved ~10 MB of resident memory per worker with no loss of rate (one round
 * each, BENCHMARKS.md section 8); 12 MB cost a fifth of the rate.
 */
const WORKER_YOUNG_MB = 16;

/** A URL out at a worker: when it was sent, and whether it is also parked in the database. */
export interface Sent {
  readonly job: Job;
  readonly at: number;
  parked: boolean;
}

/** What the frontier hears from the workers. */
export interface PoolListener {
  /** Results from worker `shard`, each with what was sent for it. */
  results(shard: number, rows: ResultRow[], sent: Sent[]): void;
  /** Hosts whose standing changed in worker `shard`. */
  hosts(shard: number, reports: HostReport[]): void;
  /** A worker failed for good: the sweep stops. */
  failed(): void;
}

class Shard {
  port: MessagePort | null = null;
  /** Sent (or in the outbox) and not yet answered, by line, oldest first: what a replacement worker gets again. */
  readonly outstanding = new Map<number, Sent>();
  outbox: Job[] = [];
  /** Requests in flight in the worker, and its hosts backing off, as of its last message. */
  active = 0;
  slowed = 0;
  settled = false;
  private settle!: () => void;
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  finish(): void {
    this.settled = true;
    this.port?.close();
    this.settle();
  }
}

export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly shards: Shard[] = [];
  /** What every worker was last told after its jobs: nothing yet, `end` or `stop`. */
  private closing: 'end' | 'stop' | null = null;
  private destroyed: Promise<void> | null = null;
  /** Workers replaced after dying. */
  restarts = 0;
  /** Set when workers keep dying: the sweep stops with it. */
  failure: Error | null = null;

  constructor(
    readonly threads: number,
    private readonly config: EngineConfig,
    /** The sweep's shared pace for --rate; null without. */
    private readonly pace: SharedArrayBuffer | null,
    private readonly listener: PoolListener,
  ) {
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
      // 'sync' would freeze a worker's event loop between tasks: keep-alive sockets and timers stall.
      atomics: 'disabled',
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    // A worker that dies outside a task (e.g. while starting) is reported here, not on a task: without
    // a listener it would crash the coordinator, and Piscina stops replacing workers after it.
    this.piscina.on('error', (err: Error) => this.fail(new WorkerLostError(`a worker thread failed: ${err.message}`)));
    for (let i = 0; i < threads; i++) {
      const shard = new Shard();
      this.shards.push(shard);
      this.connect(shard, i);
    }
  }

  /** Starts a worker task for the shard, over a new channel. */
  private connect(shard: Shard, index: number): void {
    const { port1, port2 } = new MessageChannel();
    shard.port = port1;
    port1.on('message', (msg: FromWorker) => {
      if (msg.type === 'fatal') return this.fail(new StoreError(msg.message));
      if (msg.type === 'done') {
        // After `end` a worker may only be done with nothing outstanding, or lines would be lost; after
        // `stop` it has dropped the URLs it had not started, and a resume redoes them.
        if (this.closing !== 'stop' && shard.outstanding.size > 0) {
          return this.lost(shard, index, new Error(`worker finished with ${shard.outstanding.size} URLs unanswered`));
        }
        return shard.finish();
      }
      shard.active = msg.active;
      shard.slowed = msg.slowed;
      if (msg.hosts) this.listener.hosts(index, msg.hosts);
      if (msg.rows.length === 0) return;
      const sent: Sent[] = [];
      for (const row of msg.rows) {
        sent.push(shard.outstanding.get(row.line)!);
        shard.outstanding.delete(row.line);
      }
      this.listener.results(index, msg.rows, sent);
    });
    const task: WorkerTask = { port: port2, config: this.config, pace: this.pace };
    this.piscina.run(task, { transferList: [port2] }).catch((err: Error) => this.lost(shard, index, err));
  }

  /** A worker died (crash, out of memory): a new one takes over its unfinished URLs. */
  private lost(shard: Shard, index: number, err: Error): void {
    if (this.destroyed !== null || shard.settled) return;
    shard.port?.close();
    this.restarts++;
    if (this.restarts > MAX_RESTARTS) {
      this.fail(new WorkerLostError(`worker threads died ${this.restarts} times; the last: ${err.message}`));
      return;
    }
    this.connect(shard, index);
    // The outbox's URLs are among the outstanding ones: sent once, below.
    shard.outbox = [];
    const jobs = [...shard.outstanding.values()].map((s) => s.job);
    for (let i = 0; i < jobs.length; i += SEND_BATCH) this.post(shard, { type: 'jobs', jobs: jobs.slice(i, i + SEND_BATCH) });
    if (this.closing) this.post(shard, { type: this.closing });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const s of this.shards) s.finish();
    this.listener.failed();
  }

  /** Requests in flight across workers (as of their last reports). */
  get inFlight(): number {
    let n = 0;
    for (const s of this.shards) n += s.active;
    return n;
  }

  /** Hosts backing off across workers (as of their last reports). */
  get slowedHosts(): number {
    let n = 0;
    for (const s of this.shards) n += s.slowed;
    return n;
  }

  /** URLs out at worker `shard`: sent (or queued to be) and not answered. */
  outstanding(shard: number): number {
    return this.shards[shard]!.outstanding.size;
  }

  /** The URLs out at worker `shard`, oldest first. */
  sentTo(shard: number): IterableIterator<Sent> {
    return this.shards[shard]!.outstanding.values();
  }

  /** Whether the URL of this line is out at a worker. */
  isOut(line: number): boolean {
    for (const s of this.shards) if (s.outstanding.has(line)) return true;
    return false;
  }

  /** Queues a URL for worker `shard`; it leaves with a full batch, or at the next flush. */
  send(shard: number, job: Job, parked: boolean): void {
    const s = this.shards[shard]!;
    if (s.settled) return;
    s.outstanding.set(job.line, { job, at: performance.now(), parked });
    s.outbox.push(job);
    if (s.outbox.length >= SEND_BATCH) this.post(s, this.take(s));
  }

  /** Sends whatever is queued: called when the coordinator pauses, so no URL waits for a full batch. */
  flush(): void {
    for (const shard of this.shards) if (shard.outbox.length > 0) this.post(shard, this.take(shard));
  }

  private take(shard: Shard): ToWorker {
    const msg: ToWorker = { type: 'jobs', jobs: shard.outbox };
    shard.outbox = [];
    return msg;
  }

  private post(shard: Shard, msg: ToWorker): void {
    if (!shard.settled) shard.port!.postMessage(msg);
  }

  /** No more input: lets every worker finish what it has. */
  async finish(): Promise<void> {
    this.flush();
    this.closing = 'end';
    for (const shard of this.shards) this.post(shard, { type: 'end' });
    await Promise.all(this.shards.map((s) => s.done));
    await this.destroy();
  }

  /**
   * Interrupted: workers drop the URLs they have not started and finish those in flight, for at most
   * `graceMs` or until `hurry` resolves (a second Ctrl-C); what is still running then is abandoned.
   */
  async stop(graceMs: number, hurry: Promise<void>): Promise<void> {
    this.flush();
    this.closing = 'stop';
    for (const shard of this.shards) this.post(shard, { type: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.shards.map((s) => s.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      hurry,
    ]);
    clearTimeout(timer);
    await this.destroy();
  }

  /** Ends every worker now; answers still on their way are lost (their lines are redone on resume). */
  destroy(): Promise<void> {
    if (!this.destroyed) {
      for (const shard of this.shards) shard.finish();
      this.destroyed = this.piscina.destroy();
    }
    return this.destroyed;
  }
}
