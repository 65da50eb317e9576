// The Piscina task each worker thread runs for the whole sweep: URLs arrive in batches over a
// MessagePort, results go back in small batches as they complete (never waiting for a whole batch).
import { existsSync, writeFileSync } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import type { FromWorker, Job, ResultRow, ToWorker, WorkerTask } from '../src/messages.js';
import { ConnectionPools } from './connectionPools.js';
import { checkUrl, type CheckContext } from './checkUrl.js';
import { HostResolver } from './resolver.js';
import { Scheduler } from './scheduler.js';
import { SharedPace } from './pace.js';
import { WarcWriter } from './warc/warcWriter.js';

/** Results are sent once per event-loop turn (so they batch under load and wait little when idle), or sooner at this many. */
const FLUSH_ROWS = 512;

export default async function sweepWorker({ port, config, pace }: WorkerTask): Promise<void> {
  const resolver = new HostResolver({ servers: config.resolvers });
  const pools = new ConnectionPools(config, resolver);
  const scheduler: Scheduler = new Scheduler(
    config.concurrency,
    { perHost: config.perHost, rate: config.hostRate, hostErrors: config.hostErrors, pauseCapMs: config.retryAfterCapMs },
    pace && config.rate ? new SharedPace(pace, config.rate) : null,
    (job, first) => checkUrl(job, first, ctx),
    (row) => outbox.add(row),
    () => outbox.poke(),
  );
  const warc = config.warc ? new WarcWriter(config.warc) : null;
  const fatal = (err: Error): void => {
    // Rows whose records are written go first: saved, they need not be fetched again.
    outbox.flush();
    port.postMessage({ type: 'fatal', message: err.message } satisfies FromWorker);
    scheduler.dropQueued();
  };
  const ctx: CheckContext = { pools, resolver, config, headers: { 'user-agent': config.userAgent, ...config.headers }, scheduler, warc, fatal };
  const outbox = new Outbox(port, scheduler);

  const crashForTest = testCrashHook();
  await new Promise<void>((resolve) => {
    let ended = false;
    const maybeDone = (): void => {
      if (ended && scheduler.idle) resolve();
    };
    outbox.afterFlush = maybeDone;
    port.on('message', (msg: ToWorker) => {
      if (msg.type === 'jobs') {
        crashForTest?.(msg.jobs);
        scheduler.add(msg.jobs);
      } else {
        if (msg.type === 'stop') scheduler.dropQueued();
        ended = true;
        maybeDone();
      }
    });
  });
  outbox.flush();
  port.postMessage({ type: 'done' } satisfies FromWorker);
  port.close();
  warc?.close();
  await pools.close();
}

class Outbox {
  private rows: ResultRow[] = [];
  private scheduled: NodeJS.Immediate | null = null;
  afterFlush: () => void = () => {};

  constructor(
    private readonly port: MessagePort,
    private readonly scheduler: Scheduler,
  ) {}

  add(row: ResultRow): void {
    this.rows.push(row);
    if (this.rows.length >= FLUSH_ROWS) this.flush();
    else this.poke();
  }

  /** Something to send (a row, or a host's changed standing): on this event-loop turn's way out. */
  poke(): void {
    this.scheduled ??= setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    const hosts = this.scheduler.reports();
    if (this.rows.length > 0 || hosts) {
      const msg: FromWorker = { type: 'results', rows: this.rows, active: this.scheduler.inFlight, slowed: this.scheduler.slowed, hosts };
      this.port.postMessage(msg);
      this.rows = [];
    }
    this.afterFlush();
  }
}

/**
 * Test-only: with URLSWEEP_TEST_CRASH_LINE and URLSWEEP_TEST_CRASH_MARKER set, the worker that is given
 * that line dies of an uncaught exception, once (the marker file records that it happened), so tests
 * can check that a lost worker is replaced and its URLs are sent again.
 */
function testCrashHook(): ((jobs: Job[]) => void) | null {
  const line = Number(process.env.URLSWEEP_TEST_CRASH_LINE);
  const marker = process.env.URLSWEEP_TEST_CRASH_MARKER;
  if (!line || !marker) return null;
  return (jobs) => {
    if (!jobs.some((j) => j.line === line) || existsSync(marker)) return;
    writeFileSync(marker, String(line));
    setImmediate(() => {
      throw new Error(`test crash at line ${line}`);
    });
  };
}
