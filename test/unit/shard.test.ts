// --shard I/N (src/options/shard.ts): the option's text, a host in exactly one share, shares even, not
// following the thread a host runs on, and lines without a host shared by number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownsLine, parseShard, shardOfHost } from '../../src/options/shard.js';
import { shardOf } from '../../src/frontier/route.js';
import { UsageError } from '../../src/result/errors.js';

test('--shard I/N: I from 0 to N-1', () => {
  assert.deepEqual(parseShard('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShard(' 3 / 4 '), { index: 3, count: 4 });
  assert.deepEqual(parseShard('0/1'), { index: 0, count: 1 });
  for (const [text, message] of [
    ['4/4', /--shard 4\/4: I runs from 0 to N-1 \(0 to 3\)/],
    ['0/0', /N is at least 1/],
    ['1', /--shard takes I\/N, e.g. 0\/4/],
    ['-1/4', /--shard takes I\/N/],
    ['a/b', /--shard takes I\/N/],
  ] as const) {
    assert.throws(() => parseShard(text), (err: Error) => err instanceof UsageError && message.test(err.message), text);
  }
});

test('every host is in one share, the shares are even, and they do not follow the threads', () => {
  const hosts = Array.from({ length: 20_000 }, (_, i) => `host-${i}.example.com`);
  for (const count of [2, 3, 8]) {
    const sizes = Array(count).fill(0);
    for (const host of hosts) {
      const owners = Array.from({ length: count }, (_, index) => ownsLine({ index, count }, 1, host)).filter(Boolean).length;
      assert.equal(owners, 1, host);
      sizes[shardOfHost(host, count)]++;
    }
    for (const size of sizes) assert.ok(Math.abs(size - hosts.length / count) < 0.05 * (hosts.length / count), `${count} shares: ${sizes.join(', ')}`);
  }
  // Two shards on two threads: each shard's hosts still spread over both threads.
  const shardZero = hosts.filter((h) => shardOfHost(h, 2) === 0);
  const onThreadZero = shardZero.filter((h) => shardOf(h, 2) === 0).length;
  assert.ok(Math.abs(onThreadZero - shardZero.length / 2) < 0.05 * shardZero.length, `${onThreadZero} of ${shardZero.length} on one thread`);
});

test('a line without a host (invalid, unreadable) belongs to the share its number falls in', () => {
  const owners = (line: number) => [0, 1, 2].filter((index) => ownsLine({ index, count: 3 }, line, null));
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(owners), [[0], [1], [2], [0], [1], [2]]);
});
