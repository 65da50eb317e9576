// One host's standing in a worker (workers/host.ts): window, pace, pauses, learnt rates, down. Times are
// given explicitly, so these run without timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Host, type HostPolicy, type Signal } from '../../workers/host.js';

const policy = (over: Partial<HostPolicy> = {}): HostPolicy => ({ perHost: 8, rate: null, hostErrors: 0, pauseCapMs: 60_000, ...over });
const ANSWER: Signal = { kind: 'answer' };
const unreachable = (line: number): Signal => ({ kind: 'unreachable', outcome: 'connect_timeout', code: 'UND_ERR_CONNECT_TIMEOUT', line });

/** Starts and finishes one request at `now` with the given signal. */
function request(host: Host, now: number, signal: Signal = ANSWER): void {
  host.start(now);
  host.finish(signal, now);
}

test('its window is --per-host: full, it waits for one of its own requests to end', () => {
  const host = new Host('a.test', policy({ perHost: 2 }));
  assert.equal(host.wait(0), 0);
  host.start(0);
  host.start(0);
  assert.equal(host.wait(0), Infinity);
  host.finish(ANSWER, 1);
  assert.equal(host.wait(1), 0);
});

test('--host-rate spaces requests by 1/rate exactly', () => {
  const host = new Host('a.test', policy({ rate: 5 }));
  host.start(1000);
  assert.equal(host.wait(1000), 200);
  assert.equal(host.wait(1150), 50);
  assert.equal(host.wait(1200), 0);
  host.start(1250); // late: the next slot counts from the late start, never from the missed one
  assert.equal(host.wait(1250), 200);
  assert.equal(host.parallel(0), 1, 'a paced host keeps about one request busy');
});

test('429 with Retry-After pauses the host for that long, capped', () => {
  const host = new Host('a.test', policy({ pauseCapMs: 5000 }));
  request(host, 0, { kind: 'pushback', status: 429, retryAfterMs: 1000 });
  assert.equal(host.wait(0), 1000);
  assert.equal(host.parallel(500), 0, 'paused: the coordinator counts on nothing from it');
  assert.equal(host.wait(1000), 0);
  const capped = new Host('b.test', policy({ pauseCapMs: 5000 }));
  request(capped, 0, { kind: 'pushback', status: 503, retryAfterMs: 3_600_000 });
  assert.equal(capped.wait(0), 5000);
  assert.ok(capped.slowed(0));
});

test('429 without Retry-After pauses 1 s, then 2 s, 4 s for each one in a row; an answer resets it', () => {
  const host = new Host('a.test', policy());
  // Paused, it can have nothing running (parallel 0); after, one at a time at the pace it learnt.
  const pausedFor = (from: number): number => {
    let t = from;
    while (host.parallel(t) === 0) t += 1;
    return t - from;
  };
  request(host, 0, { kind: 'pushback', status: 429, retryAfterMs: null });
  assert.equal(pausedFor(0), 1000);
  request(host, 1000, { kind: 'pushback', status: 429, retryAfterMs: null });
  assert.equal(pausedFor(1000), 2000);
  request(host, 3000, { kind: 'pushback', status: 429, retryAfterMs: null });
  assert.equal(pausedFor(3000), 4000);
  request(host, 7000);
  request(host, 8000, { kind: 'pushback', status: 429, retryAfterMs: null });
  assert.equal(pausedFor(8000), 1000);
});

test('a 429 makes it learn a pace: 0.7 times the good answers of the last second, growing back slowly', () => {
  const host = new Host('a.test', policy());
  for (let i = 0; i < 5; i++) request(host, i * 100);
  request(host, 500, { kind: 'pushback', status: 429, retryAfterMs: 1000 });
  host.start(1500);
  assert.ok(Math.abs(host.wait(1500) - 1000 / 3.5) < 0.01, `paced at ${1000 / host.wait(1500)}/s`);
  host.finish(ANSWER, 1500);
  assert.ok(host.slowed(2000), 'backing off');
  // About 0.25 requests/s more per second of good answers: 3.5/s, ten seconds of them, 6/s.
  let now = 1500;
  for (let i = 0; i < 40; i++) {
    now += host.wait(now);
    request(host, now);
  }
  const rate = 1000 / host.wait(now - 0);
  assert.ok(rate > 3.9 && rate < 7, `grown to ${rate.toFixed(2)}/s after ${((now - 1500) / 1000).toFixed(1)} s`);
});

test('push-back halves the window at most once a second; good answers grow it back by one per window', () => {
  const host = new Host('a.test', policy({ perHost: 8 }));
  request(host, 0, { kind: 'pushback', status: 503, retryAfterMs: null });
  request(host, 10, { kind: 'pushback', status: 503, retryAfterMs: null });
  assert.equal(host.parallel(10), 4, 'one overload, one cut');
  request(host, 1100, { kind: 'pushback', status: 503, retryAfterMs: null });
  assert.equal(host.parallel(1100), 2);
  for (let i = 0; i < 3; i++) request(host, 1200);
  assert.equal(host.parallel(1200), 3, 'at a window of two, about two answers make one more (2 → 2.5 → 2.9 → 3.2)');
  for (let i = 0; i < 200; i++) request(host, 1300);
  assert.equal(host.parallel(1300), 8, 'never past --per-host');
  assert.equal(host.slowed(1300), false);
});

test('two timeouts in a row cut the window; one does not', () => {
  const host = new Host('a.test', policy({ perHost: 8 }));
  request(host, 0, { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT', line: 1, answered: false });
  assert.equal(host.parallel(0), 8);
  request(host, 0, { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT', line: 1, answered: false });
  assert.equal(host.parallel(0), 4);
});

test('timeouts with no answer count towards --host-errors as connection failures do; an answer, or headers that came, start the count again', () => {
  const host = new Host('hangs.test', policy({ perHost: 8, hostErrors: 3 }));
  const timeout = (line: number, answered = false): Signal => ({ kind: 'timeout', code: 'URLSWEEP_DEADLINE', line, answered });
  request(host, 0, timeout(1));
  request(host, 0, unreachable(2));
  request(host, 0, timeout(6, true)); // headers came, the body did not: the host answered
  request(host, 0, timeout(7));
  request(host, 0, ANSWER);
  request(host, 0, timeout(3));
  request(host, 0, timeout(4));
  assert.equal(host.down, null, 'the answer between started the count again');
  request(host, 0, timeout(5));
  assert.deepEqual(host.down, {
    outcome: 'timeout',
    cause: 'URLSWEEP_DEADLINE',
    message: 'not tried: host down after 3 failures in a row with no answer (3 URLs of this host failed first; last: timeout URLSWEEP_DEADLINE)',
  });
});

test('while connections fail, no attempt beyond those in flight; down after --host-errors in a row', () => {
  const host = new Host('dead.test', policy({ perHost: 8, hostErrors: 3 }));
  for (let i = 0; i < 8; i++) host.start(0);
  host.finish(unreachable(1), 10_000);
  assert.equal(host.wait(10_000), Infinity, 'seven still connecting: no eighth');
  host.finish(unreachable(2), 10_000);
  assert.equal(host.down, null);
  host.finish(unreachable(2), 10_500); // the same URL's retry: three failures, two URLs
  assert.deepEqual(host.down, {
    outcome: 'connect_timeout',
    cause: 'UND_ERR_CONNECT_TIMEOUT',
    message: 'not tried: host down after 3 failures in a row with no answer (2 URLs of this host failed first; last: connect_timeout UND_ERR_CONNECT_TIMEOUT)',
  });
  assert.equal(host.wait(10_500), Infinity);
  assert.equal(host.parallel(10_500), 0);
});

test('any answer breaks the run of failures; a bare name\'s HTTPS probe does not count', () => {
  const host = new Host('a.test', policy({ hostErrors: 2 }));
  request(host, 0, unreachable(1));
  request(host, 0, ANSWER);
  request(host, 0, unreachable(2));
  request(host, 0, { kind: 'neutral' });
  assert.equal(host.down, null, 'one failure since the answer');
  request(host, 0, unreachable(3));
  assert.notEqual(host.down, null);
  const off = new Host('b.test', policy({ hostErrors: 0 }));
  for (let i = 0; i < 100; i++) request(off, 0, unreachable(i));
  assert.equal(off.down, null, '--host-errors 0: never down');
});
