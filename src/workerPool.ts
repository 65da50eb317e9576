// The coordinator's side of the worker threads: a Piscina pool where each worker runs one long-lived
// task fed over its own MessagePort. Credit-based flow control: at most `window` URLs are outstanding
// per worker, so memory stays bounded by the work in flight whatever the input size.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EngineConfig, FromWorker, Job, ResultRow, ToWorker, WorkerTask } from './messages.js';

const WORKER_FILE = fileURLToPath(new URL('../workers/sweepWorker.js', import.meta.url));
/** URLs are sent to a worker in batches of this size (or fewer when the input pauses). */
const SEND_BATCH = 256;

interface Shard {
  port: MessagePort;
  outbox: Job[];
  outstanding: number;
  /** Requests in flight in the worker, as of its last message. */
  active: number;
  /** Resolves the reader waiting for this shard to have room. */
  wakeup: (() => void) | null;
  done: Promise<void>;
}

export class WorkerPool {
  private readonly piscina: Piscina;
  private readonly shards: Shard[] = [];
  private readonly tasks: Promise<void>[] = [];

  constructor(
    readonly threads: number,
    config: EngineConfig,
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
    });
    for (let i = 0; i < threads; i++) {
      const { port1, port2 } = new MessageChannel();
      let finished!: () => void;
      const shard: Shard = { port: port1, outbox: [], outstanding: 0, active: 0, wakeup: null, done: new Promise((r) => (finished = r)) };
      port1.on('message', (msg: FromWorker) => {
        if (msg.type === 'results') {
          shard.outstanding -= msg.rows.length;
          shard.active = msg.active;
          this.onRows(msg.rows);
          if (shard.wakeup && shard.outstanding + shard.outbox.length < this.window) {
            const wake = shard.wakeup;
            shard.wakeup = null;
            wake();
          }
        } else if (msg.type === 'done') finished();
      });
      this.shards.push(shard);
      const task: WorkerTask = { port: port2, config };
      this.tasks.push(this.piscina.run(task, { transferList: [port2] }) as Promise<void>);
    }
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
    if (shard.outstanding + shard.outbox.length < this.window) return undefined;
    this.send(shard);
    return new Promise<void>((resolve) => (shard.wakeup = resolve));
  }

  /** Sends whatever is queued: called when the reader pauses, so no URL waits for a full batch. */
  flush(): void {
    for (const shard of this.shards) this.send(shard);
  }

  private send(shard: Shard): void {
    if (shard.outbox.length === 0) return;
    shard.outstanding += shard.outbox.length;
    shard.port.postMessage({ type: 'jobs', jobs: shard.outbox } satisfies ToWorker);
    shard.outbox = [];
  }

  /** No more input: lets every worker finish what it has, then stops the pool. */
  async finish(): Promise<void> {
    this.flush();
    for (const shard of this.shards) shard.port.postMessage({ type: 'end' } satisfies ToWorker);
    await Promise.all([...this.shards.map((s) => s.done), ...this.tasks]);
    for (const shard of this.shards) shard.port.close();
    await this.piscina.destroy();
  }

  async destroy(): Promise<void> {
    for (const shard of this.shards) shard.port.close();
    await this.piscina.destroy();
  }
}
