// When a URL is tried again (workers/retryPolicy.ts): Retry-After in seconds and as an HTTP date, its cap,
// back-off with jitter, and which answers pause a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, parseRetryAfter, pausesHost, retryDelay } from '../../workers/retryPolicy.js';

test('Retry-After in seconds, as an HTTP date (to the second), in the past, and unreadable', () => {
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter('0'), 0);
  assert.equal(parseRetryAfter('soon'), null);
  const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
  const ms = parseRetryAfter(inTenSeconds)!;
  // An HTTP date has whole seconds: up to 1 s less than asked, never more.
  assert.ok(ms > 8_500 && ms <= 10_000, `${inTenSeconds} → ${ms} ms`);
  assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0, 'a date gone by means now');
});

test('a retry waits what Retry-After says up to the cap, and does not happen past it', () => {
  assert.equal(retryDelay('2', 1, 60_000), 2_000);
  assert.equal(retryDelay('120', 1, 60_000), null);
  assert.equal(retryDelay(new Date(Date.now() + 300_000).toUTCString(), 1, 60_000), null);
  const d = retryDelay(new Date(Date.now() + 5_000).toUTCString(), 1, 60_000)!;
  assert.ok(d > 3_500 && d <= 5_000, `${d} ms`);
});

test('without Retry-After, back-off doubles from 250 ms to a 10 s cap, half of it random', () => {
  for (let i = 0; i < 200; i++) {
    const first = backoff(1);
    assert.ok(first >= 125 && first <= 250, `attempt 1: ${first}`);
    const third = retryDelay(null, 3, 60_000)!;
    assert.ok(third >= 500 && third <= 1_000, `attempt 3: ${third}`);
    const late = backoff(12);
    assert.ok(late >= 5_000 && late <= 10_000, `attempt 12: ${late}`);
  }
});

test('a 429 pauses its host, a 503 only when it says for how long, neither past the cap', () => {
  assert.equal(pausesHost({ status: 429, retryAfter: null }, 60_000), true);
  assert.equal(pausesHost({ status: 503, retryAfter: null }, 60_000), false);
  assert.equal(pausesHost({ status: 503, retryAfter: '5' }, 60_000), true);
  assert.equal(pausesHost({ status: 429, retryAfter: '120' }, 60_000), false);
});
