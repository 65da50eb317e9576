// The frontier (src/frontier/frontier.ts) against a real store and stand-in workers: reading never waits
// for one host, parked URLs come back in order and leave `pending` with their results, the reader waits
// only when the worker is busy anyway, a down host's URLs are answered at once, and URLs out for long
// are parked so the checkpoint moves on.
import { after, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Frontier, type FrontierConfig, type Workers } from '../../src/frontier/frontier.js';
import { ResultStore } from '../../src/store/resultStore.js';
import { BatchWriter } from '../../src/store/batchWriter.js';
import { CheckpointTracker } from '../../src/store/checkpoint.js';
import type { HostDown, Job, ResultRow } from '../../src/messages.js';
import type { Sent } from '../../src/frontier/workerPool.js';
import { tempDir } from '../support/simSweep.js';
import { shardOf } from '../../src/frontier/route.js';

const temp = tempDir();
after(() => temp.remove());
let dbs = 0;

class StandInWorkers implements Workers {
  readonly out: Array<Map<number, Sent>>;
  flushes = 0;
  constructor(threads: number) {
    this.out = Array.from({ length: threads }, () => new Map());
  }
  outstanding(shard: number): number {
    return this.out[shard]!.size;
  }
  sentTo(shard: number): Iterable<Sent> {
    return this.out[shard]!.values();
  }
  isOut(line: number): boolean {
    return this.out.some((m) => m.has(line));
  }
  send(shard: number, job: Job, parked: boolean): void {
    this.out[shard]!.set(job.line, { job, at: performance.now(), parked });
  }
  flush(): void {
    this.flushes++;
  }
  /** The lines out at a worker for one host, in the order sent. */
  linesOf(host: string): number[] {
    return this.out.flatMap((m) => [...m.values()].filter((s) => s.job.host === host).map((s) => s.job.line));
  }
}

function job(line: number, host: string): Job {
  return { line, text: `http://${host}/${line}`, target: `http://${host}/${line}`, host, bare: false };
}

function answered(j: Job): ResultRow {
  return {
    line: j.line, url: j.text, host: j.host, outcome: 'response', status: 200, error_code: null, error_message: null,
    final_url: j.target, redirects: 0, method: 'HEAD', attempts: 1, remote_ip: '127.0.0.1', content_type: null,
    content_length: 0, elapsed_ms: 1, checked_at: Date.now(), throttled: 0, hops: null,
  };
}

function setup(over: Partial<FrontierConfig> = {}) {
  const config: FrontierConfig = { threads: 1, spread: false, concurrency: 64, window: 2048, perHost: 2, paced: false, ...over };
  const store = new ResultStore(join(temp.dir, `frontier-${++dbs}.db`));
  store.beginRun([], {}, 'test', { line: 0, input: 0, offset: 0 });
  const checkpoint = new CheckpointTracker({ line: 0, input: 0, offset: 0 });
  const writer = new BatchWriter(store, checkpoint);
  const workers = new StandInWorkers(config.threads);
  const recorded: ResultRow[] = [];
  const frontier = new Frontier(config, workers, store, writer, checkpoint, (row) => {
    recorded.push(row);
    writer.add(row);
    checkpoint.complete(row.line);
  });
  /** The reader: reads the line, offers it; returns the promise when the frontier asks it to wait. */
  const read = (j: Job): Promise<void> | null => {
    checkpoint.read(j.line, 0, j.line * 10);
    return frontier.offer(j);
  };
  /** Worker `shard` answers these lines. */
  const answer = (shard: number, lines: number[]): void => {
    const sent = lines.map((line) => {
      const s = workers.out[shard]!.get(line);
      assert.ok(s, `line ${line} is not out at worker ${shard}`);
      workers.out[shard]!.delete(line);
      return s;
    });
    frontier.results(shard, sent.map((s) => answered(s.job)), sent);
  };
  const close = (): void => {
    frontier.close();
    writer.close();
    store.close();
  };
  return { store, checkpoint, writer, workers, frontier, recorded, read, answer, close };
}

/** `n` host names that go to worker `shard` of two. */
function hostsOn(shard: number, n: number): string[] {
  const names: string[] = [];
  for (let i = 0; names.length < n; i++) if (shardOf(`h${i}.test`, 2) === shard) names.push(`h${i}.test`);
  return names;
}

describe('the frontier', () => {
  test('reading never waits for a host at its limit: its URLs are parked, other hosts\' go out', () => {
    const f = setup();
    try {
      for (let line = 1; line <= 1000; line++) assert.equal(f.read(job(line, 'big.test')), null, `line ${line} waited`);
      for (let line = 1001; line <= 1010; line++) assert.equal(f.read(job(line, `small-${line}.test`)), null);
      assert.deepEqual(f.workers.linesOf('big.test'), [1, 2, 3, 4], 'twice --per-host out at its worker');
      assert.equal(f.workers.outstanding(0), 14, 'and every other host\'s URL');
      assert.equal(f.frontier.stats.parked, 996);
      f.writer.flush();
      assert.equal(f.store.parkedCount(), 996, 'parked in the database');
      assert.equal(f.checkpoint.line, 0, 'lines 1-4 are out');
      f.answer(0, [1, 2, 3, 4]);
      assert.equal(f.checkpoint.line, 1000, 'parked lines are complete as far as the checkpoint goes; 1001-1010 are out');
    } finally {
      f.close();
    }
  });

  test('a host takes its parked URLs back in order as it answers, and each leaves pending with its result', () => {
    const f = setup();
    try {
      for (let line = 1; line <= 20; line++) f.read(job(line, 'big.test'));
      f.answer(0, [2, 1]);
      assert.deepEqual(f.workers.linesOf('big.test'), [3, 4, 5, 6]);
      const flushes = f.workers.flushes;
      f.answer(0, [3, 4, 5, 6]);
      assert.deepEqual(f.workers.linesOf('big.test'), [7, 8, 9, 10]);
      assert.ok(f.workers.flushes > flushes, 'URLs taken back leave at once, not with the reader\'s next batch');
      assert.ok([...f.workers.out[0]!.values()].every((s) => s.parked));
      f.writer.flush();
      assert.deepEqual(f.store.linesDone(1, 100).filter((l) => l <= 6), [1, 2, 3, 4, 5, 6]);
      assert.equal(f.store.parkedCount(), 14, 'lines 7-20: 5 and 6 left pending in the transaction that recorded them');
      for (let n = 0; n < 4; n++) f.answer(0, f.workers.linesOf('big.test'));
      assert.equal(f.frontier.stats.parked, 0);
      f.writer.flush();
      assert.equal(f.store.parkedCount(), 0);
      assert.deepEqual(f.recorded.map((r) => r.line).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      f.close();
    }
  });

  test('once the sweep stops, answers are recorded but no parked URL goes back out: they stay parked for the resume', () => {
    const f = setup();
    try {
      for (let line = 1; line <= 20; line++) f.read(job(line, 'big.test'));
      f.frontier.stop();
      f.answer(0, [1, 2, 3, 4]);
      assert.deepEqual(f.workers.linesOf('big.test'), [], 'nothing sent after the stop');
      assert.deepEqual(f.recorded.map((r) => r.line), [1, 2, 3, 4]);
      f.writer.flush();
      assert.equal(f.store.parkedCount(), 16, 'lines 5-20 still parked');
    } finally {
      f.close();
    }
  });

  test('the reader waits, parking nothing, when the worker is busy anyway', async () => {
    // Four requests a worker; two hosts at two each keep it busy.
    const f = setup({ concurrency: 4 });
    try {
      for (let line = 1; line <= 4; line++) assert.equal(f.read(job(line, 'a.test')), null);
      for (let line = 5; line <= 8; line++) assert.equal(f.read(job(line, 'b.test')), null);
      const wait = f.read(job(9, 'a.test'));
      assert.ok(wait instanceof Promise, 'a.test is full and the worker has enough to do');
      assert.equal(f.frontier.stats.parked, 0);
      let woken = false;
      void wait.then(() => (woken = true));
      f.answer(0, [1, 2, 3]);
      await null;
      assert.ok(woken, 'answers wake the reader');
      assert.equal(f.read(job(9, 'a.test')), null, 'and the URL goes out');
      assert.deepEqual(f.workers.linesOf('a.test'), [4, 9]);
    } finally {
      f.close();
    }
  });

  test('one worker busy, another not: a full host\'s URLs are parked and reading goes on; all busy, the reader waits', () => {
    const f = setup({ threads: 2, concurrency: 4 });
    try {
      const [a, b] = hostsOn(0, 2);
      const [c, d] = hostsOn(1, 2);
      let line = 0;
      // Two hosts at two requests each keep worker 0's four busy.
      for (const host of [a!, b!]) for (let i = 0; i < 4; i++) assert.equal(f.read(job(++line, host)), null);
      assert.equal(f.read(job(++line, a!)), null, 'worker 1 has nothing to do: reading goes on');
      assert.equal(f.frontier.stats.parked, 1);
      for (const host of [c!, d!]) for (let i = 0; i < 4; i++) assert.equal(f.read(job(++line, host)), null);
      assert.ok(f.read(job(++line, c!)) instanceof Promise, 'both workers busy: parking would not help');
      assert.equal(f.frontier.stats.parked, 1);
    } finally {
      f.close();
    }
  });

  test('a host parked because its worker\'s window was full, with nothing of its own out, is sent when the window frees (regression: a stalled sweep)', () => {
    const f = setup({ threads: 2, concurrency: 64, window: 4 });
    try {
      const [a, b, c, d, e] = hostsOn(0, 5);
      let line = 0;
      for (const host of [a!, b!, c!, d!]) assert.equal(f.read(job(++line, host)), null);
      assert.equal(f.workers.outstanding(0), 4, 'worker 0\'s window is full');
      assert.equal(f.read(job(++line, e!)), null, 'worker 1 is idle: reading goes on');
      assert.equal(f.frontier.stats.parked, 1, 'its URL parked, with none of its own out to bring answers');
      f.answer(0, [1]);
      assert.deepEqual(f.workers.linesOf(e!), [5], 'sent once worker 0 had room');
      assert.equal(f.frontier.stats.parked, 0);
    } finally {
      f.close();
    }
  });

  test('a host that fills its worker alone is parked up to the lookahead, then the reader waits for it', () => {
    // --per-host 8 against 4 requests a worker: one host keeps its worker busy by itself.
    const f = setup({ threads: 2, concurrency: 4, perHost: 8 });
    try {
      let line = 0;
      for (let i = 0; i < 16; i++) assert.equal(f.read(job(++line, 'big.test')), null);
      assert.equal(f.frontier.stats.parked, 0, 'its quota, twice --per-host, went out');
      for (let i = 0; i < 100_000; i++) assert.equal(f.read(job(++line, 'big.test')), null);
      assert.equal(f.frontier.stats.parked, 100_000);
      assert.ok(f.read(job(++line, 'big.test')) instanceof Promise, 'a hundred thousand URLs later and no other host: the reader waits');
    } finally {
      f.close();
    }
  });

  test('a host reported down: its parked URLs and later ones are answered at once, not tried', async () => {
    const f = setup();
    try {
      for (let line = 1; line <= 6000; line++) f.read(job(line, 'dead.test'));
      const down: HostDown = { outcome: 'connect_refused', cause: 'ECONNREFUSED', message: 'not tried: host down after 8 connection failures in a row' };
      f.frontier.hosts(0, [{ host: 'dead.test', parallel: 0, down }]);
      // More than one slice: the rest come on the next turns of the event loop.
      while (f.frontier.stats.parked > 0) await new Promise((resolve) => setImmediate(resolve));
      f.read(job(6001, 'dead.test'));
      const notTried = f.recorded.filter((r) => r.error_code === 'URLSWEEP_HOST_DOWN');
      assert.equal(notTried.length, 5997, 'all but the four out at the worker');
      assert.ok(notTried.every((r) => r.attempts === 0 && r.outcome === 'connect_refused' && r.error_message === down.message));
      assert.equal(f.frontier.stats.downHosts, 1);
      f.writer.flush();
      assert.equal(f.store.parkedCount(), 0);
    } finally {
      f.close();
    }
  });

  test('URLs parked by an earlier run are adopted: sent as the host has room, in their order', () => {
    const f = setup();
    try {
      f.store.write([], null, [10, 20, 30, 40, 50, 60].map((line, i) => ({ seq: i + 1, line, host: 'old.test', url: `http://old.test/${line}`, source: null })));
      assert.equal(f.frontier.adopt('old.test', 6, 1), null);
      assert.deepEqual(f.workers.linesOf('old.test'), [10, 20, 30, 40]);
      f.answer(0, [10, 20]);
      assert.deepEqual(f.workers.linesOf('old.test'), [30, 40, 50, 60]);
      f.writer.flush();
      assert.deepEqual(f.store.parked('old.test', 0, 10).map((p) => p.line), [30, 40, 50, 60]);
    } finally {
      f.close();
    }
  });

  test('a URL out at its worker for long is parked too, so the checkpoint need not wait for it', () => {
    mock.timers.enable({ apis: ['setInterval'] });
    const f = setup();
    try {
      for (let line = 1; line <= 3; line++) f.read(job(line, `h${line}.test`));
      f.answer(0, [2, 3]);
      assert.equal(f.checkpoint.line, 0, 'line 1 is out');
      // Line 1 has been out for 20 s (a paused host, a slow one).
      const sent = f.workers.out[0]!.get(1)!;
      f.workers.out[0]!.set(1, { ...sent, at: performance.now() - 20_000 });
      mock.timers.tick(1000);
      assert.equal(f.checkpoint.line, 3);
      f.writer.flush();
      assert.deepEqual(f.store.parked('h1.test', 0, 10).map((p) => p.line), [1]);
      assert.equal(f.workers.out[0]!.get(1)!.parked, true, 'its result will take its parking place away');
      f.answer(0, [1]);
      f.writer.flush();
      assert.equal(f.store.parkedCount(), 0);
    } finally {
      f.close();
      mock.timers.reset();
    }
  });
});
