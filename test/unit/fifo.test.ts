// The FIFO under the workers' host queues, their ready line and the frontier's parked URLs read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fifo } from '../../src/util/fifo.js';

test('items come out in the order they went in, across the compaction of its taken head', () => {
  const q = new Fifo<number>();
  const out: number[] = [];
  // Never empty for long, as a busy host's queue: the head is dropped many times along the way.
  for (let i = 0; i < 10_000; i++) {
    q.push(i);
    if (i % 3 !== 0) out.push(q.shift()!);
  }
  assert.equal(q.length, 10_000 - out.length);
  while (q.length > 0) out.push(q.shift()!);
  assert.deepEqual(out, Array.from({ length: 10_000 }, (_, i) => i));
  assert.equal(q.shift(), undefined);
});

test('unshift puts back at the head what was just taken', () => {
  const q = new Fifo<string>();
  q.push('a');
  q.push('b');
  const a = q.shift()!;
  q.unshift(a);
  assert.deepEqual(q.drain(), ['a', 'b']);
  q.unshift('c');
  q.push('d');
  assert.deepEqual([q.shift(), q.shift(), q.length], ['c', 'd', 0]);
});

test('drain takes everything left, in order, and leaves it empty', () => {
  const q = new Fifo<number>();
  for (let i = 0; i < 3000; i++) q.push(i);
  for (let i = 0; i < 2000; i++) q.shift();
  assert.deepEqual(q.drain(), Array.from({ length: 1000 }, (_, i) => 2000 + i));
  assert.equal(q.length, 0);
  q.push(7);
  assert.equal(q.shift(), 7);
});
