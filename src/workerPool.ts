// The coordinator's side of the worker threads: a Piscina pool where each worker runs one long-lived
// task fed over its own MessagePort. Credit-based flow control: at most `window` URLs are outstanding
// per worker, so memory stays bounded by the work in flight whatever the input size. The outstanding
// URLs are kept, so a worker that dies is replaced and its unfinished URLs are sent again.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineConfig, FromWorker, Job, ResultRow, ToWorker, WorkerTask } from './messages.js';

const WORKER_FILE = fileURLToPath(new URL('../workers/sweepWorker.js', import.meta.url));
/** URLs are sent to a worker in batches of this size (or fewer when the input pauses). */
const SEND_BATCH = 256;
/** Workers lost in one sweep before it gives up: past this, something is wrong beyond one bad moment. */
const MAX_RESTARTS = 10;
/** A worker's heap may not grow past this; one that does is replaced like a crashed one. */
const WORKER_HEAP_MB = 1024;

export class WorkerLostError extends Error {}

class Shard {
  port: MessagePort | null = null;
  /** Sent and not yet answered, by line: what a replacement worker gets again. */
  readonly outstanding = new Map<number, Job>();
  outbox: Job[] = [];
  /** Requests in flight in the worker, as of its last message. */
  active = 0;
  /** Resolves the reader waiting for this shard to have room. */
  wakeup: (() => void) | null = null;
  settled = false;
  private settle!: () => void;
  readonly done = new Promise<void>((resolve) => (this.settle = resolve));

  finish(): void {
    this.settled = true;
    this.port?.close();
    this.settle();
    this.wake();
  }

  wake(): void {
    const wake = this.wakeup;
    this.wakeup = null;
    wake?.();
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
    /** Outstanding URLs per worker before the reader waits. */
    private readonly window: number,
    private readonly onRows: (rows: ResultRow[]) => void,
  ) {
    this.piscina = new Piscina({
      filename: WORKER_FILE,
      minThreads: threads,
      maxThreads: threads,
      // 'sync' would freeze a worker's event loop between tasks: keep-alive sockets and timers stall.
      atomics: 'disabled',
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    // A worker that dies outside a task (e.g. while starting) is reported here, not on a task: without
    // a listener it would crash the coordinator, and Piscina stops replacing workers after it.
    this.piscina.on('error', (err: Error) => {
      this.failure ??= new WorkerLostError(`a worker thread failed: ${err.message}`);
      for (const s of this.shards) s.finish();
    });
    for (let i = 0; i < threads; i++) {
      const shard = new Shard();
      this.shards.push(shard);
      this.connect(shard);
    }
  }

  /** Starts a worker task for the shard, over a new channel. */
  private connect(shard: Shard): void {
    const { port1, port2 } = new MessageChannel();
    shard.port = port1;
    port1.on('message', (msg: FromWorker) => {
      if (msg.type === 'done') {
        // After `end` a worker may only be done with nothing outstanding, or lines would be lost; after
        // `stop` it has dropped the URLs it had not started, and a resume redoes them.
        if (this.closing !== 'stop' && shard.outstanding.size > 0) {
          return this.lost(shard, new Error(`worker finished with ${shard.outstanding.size} URLs unanswered`));
        }
        return shard.finish();
      }
      for (const row of msg.rows) shard.outstanding.delete(row.line);
      shard.active = msg.active;
      this.onRows(msg.rows);
      if (shard.outstanding.size + shard.outbox.length < this.window) shard.wake();
    });
    const task: WorkerTask = { port: port2, config: this.config };
    this.piscina.run(task, { transferList: [port2] }).catch((err: Error) => this.lost(shard, err));
  }

  /** A worker died (crash, out of memory): a new one takes over its unfinished URLs. */
  private lost(shard: Shard, err: Error): void {
    if (this.destroyed !== null || shard.settled) return;
    shard.port?.close();
    this.restarts++;
    if (this.restarts > MAX_RESTARTS) {
      this.failure ??= new WorkerLostError(`worker threads died ${this.restarts} times; the last: ${err.message}`);
      for (const s of this.shards) s.finish();
      return;
    }
    this.connect(shard);
    const jobs = [...shard.outstanding.values()];
    for (let i = 0; i < jobs.length; i += SEND_BATCH) this.post(shard, { type: 'jobs', jobs: jobs.slice(i, i + SEND_BATCH) });
    if (this.closing) this.post(shard, { type: this.closing });
  }

  /** Requests in flight across workers (as of their last reports). */
  get inFlight(): number {
    let n = 0;
    for (const s of this.shards) n += s.active;
    return n;
  }

  /** Queues a URL for a worker; resolves at once unless that worker's window is full. */
  submit(shardIndex: number, job: Job): Promise<void> | undefined {
    const shard = this.shards[shardIndex]!;
    shard.outbox.push(job);
    if (shard.outbox.length >= SEND_BATCH) this.send(shard);
    if (shard.outstanding.size + shard.outbox.length < this.window || shard.settled) return undefined;
    this.send(shard);
    return new Promise<void>((resolve) => (shard.wakeup = resolve));
  }

  /** Sends whatever is queued: called when the reader pauses, so no URL waits for a full batch. */
  flush(): void {
    for (const shard of this.shards) this.send(shard);
  }

  private send(shard: Shard): void {
    if (shard.outbox.length === 0) return;
    for (const job of shard.outbox) shard.outstanding.set(job.line, job);
    this.post(shard, { type: 'jobs', jobs: shard.outbox });
    shard.outbox = [];
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
