// The interrupt a caller uses to stop a sweep: first request stops, second aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Interrupt } from '../../src/sweep/interrupt.js';

test('first request stops, second aborts, and the first reason is kept', async () => {
  const interrupt = new Interrupt();
  const first = interrupt.next();
  interrupt.request('SIGTERM');
  await first;
  assert.equal(interrupt.stopping, true);
  assert.equal(interrupt.aborting, false);
  const second = interrupt.next();
  interrupt.request('SIGINT');
  await second;
  assert.equal(interrupt.aborting, true);
  assert.equal(interrupt.reason, 'SIGTERM');
});

test('waiting costs nothing per wait: every waiter shares one promise (regression: a leak per pause)', () => {
  const interrupt = new Interrupt();
  const a = interrupt.next();
  for (let i = 0; i < 1000; i++) interrupt.next();
  assert.equal(interrupt.next(), a);
});
