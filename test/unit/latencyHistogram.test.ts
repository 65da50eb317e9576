// The constant-memory latency histogram (src/util/latencyHistogram.ts): percentiles in milliseconds within 5%.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram } from '../../src/util/latencyHistogram.js';

function within(actual: number | null, expected: number, share = 0.05): void {
  assert.ok(actual !== null, `expected about ${expected}, got null`);
  assert.ok(Math.abs(actual - expected) <= expected * share, `expected ${expected} ±${share * 100}%, got ${actual}`);
}

test('an empty histogram has no percentiles', () => {
  const h = new LatencyHistogram();
  assert.equal(h.count, 0);
  for (const q of [0, 0.5, 0.99, 1]) assert.equal(h.percentile(q), null);
});

test('percentiles of 1..10000 ms are within 5% of the true values', () => {
  const h = new LatencyHistogram();
  for (let ms = 1; ms <= 10_000; ms++) h.add(ms);
  assert.equal(h.count, 10_000);
  for (const [q, truth] of [
    [0.01, 100],
    [0.1, 1000],
    [0.25, 2500],
    [0.5, 5000],
    [0.9, 9000],
    [0.95, 9500],
    [0.99, 9900],
    [0.999, 9990],
    [1, 10_000],
  ] as const) {
    within(h.percentile(q), truth);
  }
});

test('percentiles do not depend on the order samples arrive in', () => {
  const inOrder = new LatencyHistogram();
  const reversed = new LatencyHistogram();
  for (let ms = 1; ms <= 5000; ms++) inOrder.add(ms);
  for (let ms = 5000; ms >= 1; ms--) reversed.add(ms);
  for (const q of [0.1, 0.5, 0.9, 0.99]) assert.equal(inOrder.percentile(q), reversed.percentile(q));
});

test('percentiles never decrease as q grows', () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 5000; i++) h.add(((i * 7919) % 3001) + 0.5);
  let last = 0;
  for (let q = 0; q <= 1; q += 0.01) {
    const p = h.percentile(q)!;
    assert.ok(p >= last, `p(${q}) = ${p} < ${last}`);
    last = p;
  }
});

test('a single sample is every percentile, within 5%', () => {
  const h = new LatencyHistogram();
  h.add(42);
  assert.equal(h.count, 1);
  for (const q of [0, 0.01, 0.5, 0.99, 1]) within(h.percentile(q), 42);
});

test('sub-millisecond and hour-long samples stay within 5%', () => {
  const small = new LatencyHistogram();
  small.add(0.37);
  within(small.percentile(0.5), 0.37);
  const large = new LatencyHistogram();
  large.add(3_000_000);
  within(large.percentile(0.5), 3_000_000);
});

test('a skewed distribution: p50 follows the bulk, p99 the tail', () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 980; i++) h.add(20);
  for (let i = 0; i < 20; i++) h.add(5000);
  within(h.percentile(0.5), 20);
  within(h.percentile(0.98), 20);
  within(h.percentile(0.99), 5000);
});
