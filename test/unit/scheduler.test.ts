// The worker's scheduler: per-thread and per-host caps, turns for a URL's later requests, hosts that
// pause, pace and go down, and when a worker may say it is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, TurnRefused } from '../../workers/scheduler.js';
import { SharedPace } from '../../workers/pace.js';
import type { Host, HostPolicy, Signal } from '../../workers/host.js';
import type { HostReport, Job, ResultRow } from '../../src/messages.js';

const job = (line: number, host: string): Job => ({ line, text: `http://${host}/${line}`, target: `http://${host}/${line}`, host, bare: false });
const row = (j: Job): ResultRow => ({
  line: j.line, url: j.text, host: j.host, outcome: 'dns_error', status: null, error_code: 'ENOTFOUND', error_message: null,
  final_url: j.target, redirects: 0, method: null, attempts: 1, remote_ip: null, content_type: null, content_length: null,
  elapsed_ms: 0, checked_at: 0, throttled: 0, hops: null,
});
const policy = (over: Partial<HostPolicy> = {}): HostPolicy => ({ perHost: 8, rate: null, hostErrors: 0, pauseCapMs: 60_000, ...over });
const ANSWER: Signal = { kind: 'answer' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A scheduler whose URLs each make one request, answered by `answer` (after `ms`). */
function scheduler(
  concurrency: number,
  hostPolicy: HostPolicy,
  answer: (j: Job) => Signal = () => ANSWER,
  ms = 0,
): { s: Scheduler; rows: ResultRow[]; starts: Array<{ line: number; host: string; at: number; alongside: number }>; reports: HostReport[] } {
  const rows: ResultRow[] = [];
  const starts: Array<{ line: number; host: string; at: number; alongside: number }> = [];
  const reports: HostReport[] = [];
  let inFlight = 0;
  const s: Scheduler = new Scheduler(
    concurrency,
    hostPolicy,
    null,
    async (j: Job, first: Host) => {
      starts.push({ line: j.line, host: j.host, at: performance.now(), alongside: inFlight++ });
      await (ms > 0 ? sleep(ms) : null);
      inFlight--;
      s.release(first, answer(j));
      return row(j);
    },
    (r) => rows.push(r),
    () => reports.push(...(s.reports() ?? [])),
  );
  return { s, rows, starts, reports };
}

async function drained(s: Scheduler): Promise<void> {
  while (!s.idle) await sleep(5);
}

test('never idle while jobs wait for their host, even when every job finishes at once (regression: lost rows)', async () => {
  // Jobs that answer immediately (a cached NXDOMAIN) with a per-host cap of 1: between two of them
  // nothing is in flight, yet hundreds still wait in the host's line.
  const seenIdle: number[] = [];
  const results: number[] = [];
  const s: Scheduler = new Scheduler(8, policy({ perHost: 1 }), null, async (j, first) => {
    await null;
    s.release(first, ANSWER);
    return row(j);
  }, (r) => {
    results.push(r.line);
    if (s.idle) seenIdle.push(r.line);
  }, () => {});
  s.add(Array.from({ length: 600 }, (_, i) => job(i + 1, 'nxdomain.test')));
  await drained(s);
  assert.equal(results.length, 600);
  assert.deepEqual(seenIdle, [600], 'idle only after the last result');
  assert.equal(s.pending, 0);
});

test('per-thread and per-host caps hold', async () => {
  let inFlight = 0;
  let peak = 0;
  const perHost = new Map<string, number>();
  let hostPeak = 0;
  const s: Scheduler = new Scheduler(5, policy({ perHost: 2 }), null, async (j, first) => {
    inFlight++;
    perHost.set(j.host, (perHost.get(j.host) ?? 0) + 1);
    peak = Math.max(peak, inFlight);
    hostPeak = Math.max(hostPeak, perHost.get(j.host)!);
    await sleep(2);
    inFlight--;
    perHost.set(j.host, perHost.get(j.host)! - 1);
    s.release(first, ANSWER);
    return row(j);
  }, () => {}, () => {});
  // Three hosts at 2 each could take 6: the thread cap of 5 binds, and so does the host cap.
  s.add(Array.from({ length: 200 }, (_, i) => job(i + 1, `h${i % 3}.test`)));
  await drained(s);
  assert.equal(peak, 5);
  assert.equal(hostPeak, 2);
});

test('a big host (more URLs than its window) keeps its window full while small hosts take the other slots', async () => {
  // 4 slots, 2 per host. Twenty small hosts of two URLs come first, then one of eight: round-robin alone
  // would start the big host after the twenty and leave it running alone at the end; its pace, not the
  // thread's slots, decides when its URLs end, so it goes first and keeps two in flight throughout.
  const { s, starts } = scheduler(4, policy({ perHost: 2 }), () => ANSWER, 10);
  const small = Array.from({ length: 40 }, (_, i) => job(i + 1, `small-${Math.floor(i / 2)}.test`));
  s.add([...small, ...Array.from({ length: 8 }, (_, i) => job(100 + i, 'big.test'))]);
  await drained(s);
  // Two slots of every four are the big host's until it is done (its last two included), the other two
  // the small hosts' in turn; the thread never runs more than four.
  const big = starts.flatMap((x, i) => (x.host === 'big.test' ? [i] : []));
  assert.deepEqual(big, [0, 1, 4, 5, 8, 9, 12, 13]);
  assert.equal(starts.length, 48);
  assert.ok(starts.every((x) => x.alongside < 4));
});

test('under --rate big hosts do not go first: the sweep\'s pace is its end whatever the order', async () => {
  // 200 starts a second for the whole sweep: a big host's window is never full, so going first would
  // give it every start while the small hosts waited for all of it.
  const starts: string[] = [];
  const s: Scheduler = new Scheduler(4, policy({ perHost: 2 }), new SharedPace(SharedPace.buffer(), 200), async (j, first) => {
    starts.push(j.host);
    await null;
    s.release(first, ANSWER);
    return row(j);
  }, () => {}, () => {});
  s.add([job(1, 'small-1.test'), job(2, 'small-2.test'), ...Array.from({ length: 8 }, (_, i) => job(100 + i, 'big.test'))]);
  await drained(s);
  assert.deepEqual(starts.slice(0, 3), ['small-1.test', 'small-2.test', 'big.test'], 'turns in the order the hosts came');
});

test('a URL that waits for its next turn holds no slot: other URLs run meanwhile', async () => {
  // One slot in the thread. URL 1 makes a first request, then asks for a turn on a paused host: URL 2
  // must get the slot while URL 1 waits.
  const order: string[] = [];
  const s: Scheduler = new Scheduler(1, policy(), null, async (j, first) => {
    order.push(`start ${j.line}`);
    await null;
    s.release(first, j.line === 1 ? { kind: 'pushback', status: 429, retryAfterMs: 100 } : ANSWER);
    if (j.line === 1) {
      const again = await s.turn(j.host);
      order.push(`again ${j.line}`);
      s.release(again, ANSWER);
    }
    return row(j);
  }, () => {}, () => {});
  s.add([job(1, 'paused.test'), job(2, 'other.test')]);
  await drained(s);
  assert.deepEqual(order, ['start 1', 'start 2', 'again 1']);
});

test('a host paused by Retry-After gets no request until the pause ends; other hosts go on', async () => {
  const { s, starts } = scheduler(8, policy({ perHost: 1 }), (j) => (j.line === 1 ? { kind: 'pushback', status: 429, retryAfterMs: 300 } : ANSWER));
  s.add([job(1, 'a.test'), job(2, 'a.test'), job(3, 'b.test'), job(4, 'b.test')]);
  await drained(s);
  const at = (line: number) => starts.find((x) => x.line === line)!.at;
  assert.ok(at(2) - at(1) >= 299, `the second request to a.test came ${at(2) - at(1)} ms after the 429`);
  assert.ok(at(3) < at(2) && at(4) < at(2), 'b.test did not wait for a.test');
});

test('--host-rate spaces a host\'s requests by 1/rate, each host on its own', async () => {
  const { s, starts } = scheduler(64, policy({ rate: 20 }));
  s.add(Array.from({ length: 20 }, (_, i) => job(i + 1, i % 2 ? 'odd.test' : 'even.test')));
  await drained(s);
  for (const host of ['odd.test', 'even.test']) {
    const times = starts.filter((x) => x.host === host).map((x) => x.at);
    assert.equal(times.length, 10);
    // 50 ms apart; Node's timers count whole milliseconds of the loop's clock, so one may fire up to ~1.5 ms
    // early on performance.now() (48.6 ms seen once in many runs). A burst would be 0 ms apart.
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 48, `${host}: ${times[i]! - times[i - 1]!} ms apart`);
  }
});

test('a host that fails to connect --host-errors times in a row is down: its waiting URLs and later ones are not tried', async () => {
  const { s, rows, starts, reports } = scheduler(8, policy({ perHost: 2, hostErrors: 3 }), (j) => ({
    kind: 'unreachable', outcome: 'connect_refused', code: 'ECONNREFUSED', line: j.line,
  }), 1);
  s.add(Array.from({ length: 10 }, (_, i) => job(i + 1, 'dead.test')));
  await drained(s);
  // Two in flight; while they fail no third is started, then one probe at a time: down at the third failure.
  assert.equal(starts.length, 3);
  assert.deepEqual(starts.map((x) => x.alongside), [0, 1, 0], 'the third started only once both first attempts had failed');
  const notTried = rows.filter((r) => r.error_code === 'URLSWEEP_HOST_DOWN');
  assert.equal(notTried.length, 7);
  for (const r of notTried) {
    assert.equal(r.outcome, 'connect_refused');
    assert.equal(r.attempts, 0);
    assert.match(r.error_message!, /host down after 3 failures in a row with no answer \(3 URLs of this host failed first; last: connect_refused ECONNREFUSED\)/);
  }
  assert.ok(reports.some((r) => r.host === 'dead.test' && r.down !== null && r.parallel === 0), 'the coordinator hears of it');
  s.add([job(11, 'dead.test')]);
  assert.equal(rows.at(-1)!.line, 11, 'answered at once');
  assert.equal(rows.at(-1)!.error_code, 'URLSWEEP_HOST_DOWN');
  assert.throws(() => s.turn('dead.test'), (err) => err instanceof TurnRefused && err.down !== null);
});

test('dropQueued forgets what has not started, refuses further turns and URLs, and lets what is in flight finish', async () => {
  const done: number[] = [];
  const s: Scheduler = new Scheduler(2, policy({ perHost: 2 }), null, async (j, first) => {
    await sleep(5);
    s.release(first, ANSWER);
    return row(j);
  }, (r) => done.push(r.line), () => {});
  s.add(Array.from({ length: 20 }, (_, i) => job(i + 1, 'a.test')));
  s.dropQueued();
  assert.throws(() => s.turn('a.test'), (err) => err instanceof TurnRefused && err.down === null);
  // URLs the coordinator sent before it heard of the stop are not started either (a resume does them).
  s.add([job(21, 'b.test')]);
  assert.equal(s.pending, 2);
  await drained(s);
  assert.deepEqual(done.sort((a, b) => a - b), [1, 2]);
});
