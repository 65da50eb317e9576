// The worker's scheduler: per-thread and per-host caps, and when a worker may say it is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler } from '../workers/scheduler.js';
import type { Job, ResultRow } from '../src/messages.js';

const job = (line: number, host: string): Job => ({ line, text: `http://${host}/${line}`, target: `http://${host}/${line}`, host, bare: false });
const row = (j: Job): ResultRow => ({
  line: j.line, url: j.text, host: j.host, outcome: 'dns_error', status: null, error_code: 'ENOTFOUND', error_message: null,
  final_url: j.target, redirects: 0, method: null, attempts: 1, remote_ip: null, content_type: null, content_length: null,
  elapsed_ms: 0, checked_at: 0, hops: null,
});

test('never idle while jobs wait for their host, even when every job finishes at once (regression: lost rows)', async () => {
  // Jobs that answer immediately (a cached NXDOMAIN) with a per-host cap of 1: between two of them
  // nothing is in flight, yet hundreds still wait in the host's line.
  const seenIdle: number[] = [];
  const results: number[] = [];
  const scheduler: Scheduler = new Scheduler(8, 1, async (j) => row(j), (r) => {
    results.push(r.line);
    if (scheduler.idle) seenIdle.push(r.line);
  });
  scheduler.add(Array.from({ length: 600 }, (_, i) => job(i + 1, 'nxdomain.test')));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(results.length, 600);
  assert.deepEqual(seenIdle, [600], 'idle only after the last result');
  assert.equal(scheduler.pending, 0);
});

test('per-thread and per-host caps hold', async () => {
  let inFlight = 0;
  let peak = 0;
  const perHost = new Map<string, number>();
  let hostPeak = 0;
  const scheduler = new Scheduler(
    5,
    2,
    async (j) => {
      inFlight++;
      perHost.set(j.host, (perHost.get(j.host) ?? 0) + 1);
      peak = Math.max(peak, inFlight);
      hostPeak = Math.max(hostPeak, perHost.get(j.host)!);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      perHost.set(j.host, perHost.get(j.host)! - 1);
      return row(j);
    },
    () => {},
  );
  // Three hosts at 2 each could take 6: the thread cap of 5 binds, and so does the host cap.
  scheduler.add(Array.from({ length: 200 }, (_, i) => job(i + 1, `h${i % 3}.test`)));
  while (!scheduler.idle) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(peak, 5);
  assert.equal(hostPeak, 2);
});

test('dropQueued forgets what has not started and lets what is in flight finish', async () => {
  const done: number[] = [];
  const scheduler = new Scheduler(2, 2, async (j) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return row(j);
  }, (r) => done.push(r.line));
  scheduler.add(Array.from({ length: 20 }, (_, i) => job(i + 1, 'a.test')));
  scheduler.dropQueued();
  while (!scheduler.idle) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(done.sort((a, b) => a - b), [1, 2]);
});
