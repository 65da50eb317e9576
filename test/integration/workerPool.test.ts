// The worker-thread pool (src/frontier/workerPool.ts) on its own, against origins on 127.0.0.1: every job comes
// back once with what was sent for it, host reports, a dead worker replaced with its jobs sent again, too many deaths, stop and finish.
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { MAX_RESTARTS, SEND_BATCH, WorkerPool, type PoolListener, type Sent } from '../../src/frontier/workerPool.js';
import type { EngineConfig, HostReport, Job, ResultRow } from '../../src/messages.js';
import { defaultOptions, engineConfig, type SweepOptions } from '../../src/options/sweepOptions.js';
import { NO_PROXY_AT_ALL } from '../../src/options/proxySettings.js';
import { Codes, WorkerLostError } from '../../src/result/errors.js';
import { startCannedOrigin } from '../../src/sim/cannedOrigin.js';
import { listenOnLoopback, type LoopbackServer } from '../../src/sim/listenOnLoopback.js';
import { tempDir } from '../support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());

/**
 * What a test opened (pools, servers), closed after it whether it passed, failed or timed out: a live worker
 * thread or server would keep the file from ending.
 */
const opened: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

function newPool(threads: number, engine: EngineConfig, listener: PoolListener): WorkerPool {
  const pool = new WorkerPool(threads, engine, null, listener);
  opened.push(() => pool.destroy());
  return pool;
}

async function cannedOrigin(): Promise<LoopbackServer> {
  const origin = await startCannedOrigin();
  opened.push(() => origin.close());
  return origin;
}

/** A worker's settings as a sweep makes them, aimed at loopback with no proxy from the environment. */
function config(over: Partial<SweepOptions> = {}): EngineConfig {
  return engineConfig({ ...defaultOptions(), inputs: [], threads: 1, concurrency: 16, proxy: NO_PROXY_AT_ALL, ...over });
}

function job(line: number, port: number): Job {
  const url = `http://127.0.0.1:${port}/${line}`;
  return { line, text: url, target: url, host: '127.0.0.1', bare: false };
}

interface Delivery {
  shard: number;
  row: ResultRow;
  sent: Sent;
}

/** What the pool tells the frontier, kept; with promises of a number of rows, and of the failure. */
class Recorder implements PoolListener {
  readonly deliveries = new Map<number, Delivery[]>();
  readonly reports: Array<{ shard: number; reports: HostReport[] }> = [];
  failures = 0;
  private count = 0;
  private waiting: Array<{ rows: number; resolve: () => void }> = [];
  private onFailed!: () => void;
  /** Resolves when the pool says it failed. */
  readonly failure = new Promise<void>((resolve) => (this.onFailed = resolve));

  results(shard: number, rows: ResultRow[], sent: Sent[]): void {
    assert.equal(sent.length, rows.length);
    rows.forEach((row, i) => {
      const list = this.deliveries.get(row.line) ?? [];
      list.push({ shard, row, sent: sent[i]! });
      this.deliveries.set(row.line, list);
    });
    this.count += rows.length;
    this.waiting = this.waiting.filter((w) => (w.rows <= this.count ? (w.resolve(), false) : true));
  }

  hosts(shard: number, reports: HostReport[]): void {
    this.reports.push({ shard, reports });
  }

  failed(): void {
    this.failures++;
    this.onFailed();
  }

  /** Resolves once this many rows have come back in all. */
  rows(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ rows: n, resolve }));
  }

  /** Each job came back exactly once, from the shard it was sent to, with the very Sent it was queued with. */
  assertEachOnce(jobs: Array<{ job: Job; shard: number; parked: boolean }>): void {
    assert.deepEqual([...this.deliveries.keys()].sort((a, b) => a - b), jobs.map((j) => j.job.line).sort((a, b) => a - b));
    for (const { job, shard, parked } of jobs) {
      const got = this.deliveries.get(job.line)!;
      assert.equal(got.length, 1, `line ${job.line} came back ${got.length} times`);
      assert.equal(got[0]!.shard, shard, `line ${job.line}`);
      assert.equal(got[0]!.sent.job, job, `line ${job.line}: the Sent is the job as queued`);
      assert.equal(got[0]!.sent.parked, parked, `line ${job.line}`);
      assert.equal(got[0]!.row.url, job.text);
    }
  }
}

/** A port on 127.0.0.1 that refuses connections: one that was just listened on and closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An origin that holds every request until told to answer it (200, keep-alive). */
async function holdingOrigin(): Promise<LoopbackServer & { requests: string[]; received(n: number): Promise<void>; answerAll(): void }> {
  const requests: string[] = [];
  const held: Array<() => void> = [];
  let waiting: { n: number; resolve: () => void } | null = null;
  const server = await listenOnLoopback((socket) => {
    let rest = '';
    socket.on('data', (chunk: Buffer) => {
      rest += chunk.toString('latin1');
      let end: number;
      while ((end = rest.indexOf('\r\n\r\n')) !== -1) {
        requests.push(rest.slice(0, rest.indexOf('\r\n')));
        rest = rest.slice(end + 4);
        held.push(() => socket.writable && socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n'));
        if (waiting && requests.length >= waiting.n) waiting.resolve();
      }
    });
  });
  opened.push(() => server.close());
  return {
    ...server,
    requests,
    received: (n) => (requests.length >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve }))),
    answerAll: () => held.splice(0).forEach((answer) => answer()),
  };
}

test('every job sent reaches a worker and comes back once, with what was sent for it; a full batch leaves by itself', { timeout: 60_000 }, async () => {
  const origin = await cannedOrigin();
  const rec = new Recorder();
  const pool = newPool(2, config({ threads: 2, concurrency: 64 }), rec);
  const sent: Array<{ job: Job; shard: number; parked: boolean }> = [];
  const send = (line: number, shard: number): void => {
    const s = { job: job(line, origin.port), shard, parked: line % 3 === 0 };
    sent.push(s);
    pool.send(s.shard, s.job, s.parked);
  };
  // A full batch for worker 0, and no flush: it must leave on its own.
  for (let line = 1; line <= SEND_BATCH; line++) send(line, 0);
  assert.equal(pool.outstanding(0), SEND_BATCH);
  assert.equal(pool.outstanding(1), 0);
  assert.deepEqual([...pool.sentTo(0)].map((s) => s.job.line), sent.map((s) => s.job.line), 'oldest first');
  assert.equal(pool.isOut(1), true);
  await rec.rows(SEND_BATCH);
  assert.equal(pool.outstanding(0), 0);
  assert.equal(pool.isOut(1), false);

  // Fewer than a batch to each worker: they leave with finish()'s flush.
  for (let line = SEND_BATCH + 1; line <= SEND_BATCH + 101; line++) send(line, line % 2);
  assert.equal(pool.outstanding(0), 50);
  assert.equal(pool.outstanding(1), 51);
  await pool.finish();

  rec.assertEachOnce(sent);
  for (const list of rec.deliveries.values()) {
    assert.equal(list[0]!.row.outcome, 'response');
    assert.equal(list[0]!.row.status, 200);
  }
  assert.equal(pool.outstanding(0) + pool.outstanding(1), 0);
  assert.equal(pool.inFlight, 0, 'as of the workers\' last reports');
  assert.equal(pool.restarts, 0);
  assert.equal(pool.failure, null);
  assert.equal(rec.failures, 0);

  // Closed: a job sent now is not taken.
  pool.send(0, job(9999, origin.port), false);
  assert.equal(pool.outstanding(0), 0);
  assert.equal(pool.isOut(9999), false);
});

test('a host that goes down in a worker is reported to the coordinator from that worker, and its next URL is not tried', { timeout: 60_000 }, async () => {
  const port = await closedPort();
  const rec = new Recorder();
  const pool = newPool(2, config({ threads: 2, perHost: 1, hostErrors: 1 }), rec);
  const jobs = [job(1, port), job(2, port)];
  for (const j of jobs) pool.send(1, j, false);
  await pool.finish();
  rec.assertEachOnce(jobs.map((j) => ({ job: j, shard: 1, parked: false })));
  const first = rec.deliveries.get(1)![0]!.row;
  const second = rec.deliveries.get(2)![0]!.row;
  assert.deepEqual([first.outcome, first.error_code, first.attempts], ['connect_refused', 'ECONNREFUSED', 1]);
  assert.deepEqual([second.outcome, second.error_code, second.attempts], ['connect_refused', Codes.hostDown, 0]);
  assert.deepEqual(rec.reports, [
    { shard: 1, reports: [{ host: '127.0.0.1', parallel: 0, down: { outcome: 'connect_refused', cause: 'ECONNREFUSED', message: second.error_message } }] },
  ]);
});

test('a worker that dies is replaced on its shard, and the URLs it had not answered are sent again: each gets one row', { timeout: 60_000 }, async () => {
  const origin = await cannedOrigin();
  const marker = join(temp.dir, 'crashed');
  const crashLine = 150;
  // The test hook of workers/sweepWorker.ts: the worker given this line throws, once; workers read it at their start.
  const env = { line: process.env.URLSWEEP_TEST_CRASH_LINE, marker: process.env.URLSWEEP_TEST_CRASH_MARKER };
  process.env.URLSWEEP_TEST_CRASH_LINE = String(crashLine);
  process.env.URLSWEEP_TEST_CRASH_MARKER = marker;
  opened.push(async () => {
    for (const [name, value] of [['URLSWEEP_TEST_CRASH_LINE', env.line], ['URLSWEEP_TEST_CRASH_MARKER', env.marker]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const rec = new Recorder();
  const pool = newPool(2, config({ threads: 2, concurrency: 64 }), rec);
  const sent = Array.from({ length: 300 }, (_, i) => ({ job: job(i + 1, origin.port), shard: (i + 1) % 2, parked: false }));
  for (const s of sent) pool.send(s.shard, s.job, s.parked);
  await pool.finish();
  assert.equal(readFileSync(marker, 'utf8'), String(crashLine), 'the hook killed the worker given the line');
  assert.equal(pool.restarts, 1);
  assert.equal(pool.failure, null);
  assert.equal(rec.failures, 0);
  rec.assertEachOnce(sent);
  assert.ok([...rec.deliveries.values()].every((list) => list[0]!.row.status === 200));
});

test(`a worker lost more than ${MAX_RESTARTS} times fails the pool with a WorkerLostError, once, and it can still be closed`, { timeout: 60_000 }, async () => {
  const origin = await cannedOrigin();
  const rec = new Recorder();
  const pool = newPool(1, config(), rec);
  // WorkerPool keeps its Piscina private; its threads are Piscina's public list of the live Worker objects.
  const piscina = (pool as unknown as { piscina: Piscina }).piscina;
  const sent: Array<{ job: Job; shard: number; parked: boolean }> = [];
  for (let line = 1; line <= MAX_RESTARTS + 1; line++) {
    const s = { job: job(line, origin.port), shard: 0, parked: false };
    sent.push(s);
    pool.send(0, s.job, false);
    pool.flush();
    // Its answer says the (replacement) worker runs the pool's task: terminated now, it dies working, not starting.
    await Promise.race([rec.rows(line), rec.failure]);
    assert.equal(rec.failures, 0, `failed after ${line - 1} deaths`);
    assert.equal(pool.restarts, line - 1);
    assert.equal(piscina.threads.length, 1);
    await piscina.threads[0]!.terminate();
  }
  await rec.failure;
  assert.ok(pool.failure instanceof WorkerLostError);
  assert.ok(
    pool.failure.message.startsWith(`worker threads died ${MAX_RESTARTS + 1} times; the last: `),
    pool.failure.message,
  );
  assert.equal(pool.restarts, MAX_RESTARTS + 1);
  assert.equal(rec.failures, 1);
  rec.assertEachOnce(sent);
  await pool.finish();
  pool.send(0, job(99, origin.port), false);
  assert.equal(pool.outstanding(0), 0, 'a failed pool takes no more jobs');
});

test('stop: workers finish the requests in flight and drop the URLs not started, which stay outstanding', { timeout: 60_000 }, async () => {
  const origin = await holdingOrigin();
  const rec = new Recorder();
  // One worker with two requests in flight at most.
  const pool = newPool(1, config({ concurrency: 2 }), rec);
  const jobs = Array.from({ length: 6 }, (_, i) => job(i + 1, origin.port));
  for (const j of jobs) pool.send(0, j, false);
  pool.flush();
  await origin.received(2);
  // Stop is posted before the held answers are sent: the worker hears it before their slots free up.
  const stopped = pool.stop(3_600_000, new Promise<void>(() => {}));
  origin.answerAll();
  await stopped;
  // Two connections: the two requests may reach the origin in either order.
  assert.deepEqual([...origin.requests].sort(), ['HEAD /1 HTTP/1.1', 'HEAD /2 HTTP/1.1']);
  rec.assertEachOnce(jobs.slice(0, 2).map((j) => ({ job: j, shard: 0, parked: false })));
  assert.deepEqual([...pool.sentTo(0)].map((s) => s.job.line), [3, 4, 5, 6], 'not answered: a resume redoes them');
  assert.equal(pool.restarts, 0);
  assert.equal(pool.failure, null);
});

test('stop hurried (a second Ctrl-C): requests in flight are abandoned, and stop does not wait for them', { timeout: 60_000 }, async () => {
  const origin = await holdingOrigin();
  const rec = new Recorder();
  const pool = newPool(1, config({ concurrency: 2 }), rec);
  const jobs = Array.from({ length: 4 }, (_, i) => job(i + 1, origin.port));
  for (const j of jobs) pool.send(0, j, false);
  pool.flush();
  await origin.received(2);
  // The held requests are never answered: only the hurry can end the stop.
  await pool.stop(3_600_000, Promise.resolve());
  assert.equal(rec.deliveries.size, 0);
  assert.deepEqual([...pool.sentTo(0)].map((s) => s.job.line), [1, 2, 3, 4]);
  assert.equal(pool.failure, null);
});
