// Unit tests for host → shard routing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostHash, shardOf } from '../../src/frontier/route.js';

test('the hash is FNV-1a 32 bit with murmur3\'s finaliser, pinned: a host goes to the same thread in every run and version (a change would reshuffle hosts)', () => {
  assert.equal(hostHash(''), 0xab3e7c0b);
  assert.equal(hostHash('a'), 0x1a80b1b3);
  assert.equal(hostHash('foobar'), 0x0c0da6dc);
});

test('the shard is an integer within [0, n) for many shard counts', () => {
  for (const n of [1, 2, 3, 4, 7, 8, 16, 33]) {
    for (let i = 0; i < 500; i++) {
      const shard = shardOf(`host-${i}.example.org`, n);
      assert.ok(Number.isInteger(shard) && shard >= 0 && shard < n, `shardOf(host-${i}, ${n}) = ${shard}`);
    }
  }
});

test('with one shard every host goes to shard 0', () => {
  for (const host of ['a.example', 'b.example', 'zzz.test']) assert.equal(shardOf(host, 1), 0);
});

test('10 000 distinct hosts spread over 4 shards within ±10% of 2500 each', () => {
  const families: Array<(i: number) => string> = [
    (i) => `host${i}.example.com`,
    (i) => `www.site-${i}.org`,
    (i) => `${i.toString(36)}.net`,
    (i) => `shop${(i * 7919) % 100_003}.example.co.uk`,
  ];
  for (const family of families) {
    const counts = [0, 0, 0, 0];
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const host = family(i);
      seen.add(host);
      counts[shardOf(host, 4)]!++;
    }
    assert.equal(seen.size, 10_000, 'the hosts are distinct');
    for (const count of counts) {
      assert.ok(count >= 2250 && count <= 2750, `${family(0)}…: counts ${counts.join(', ')}`);
    }
  }
});

test('distinct hosts use every shard of 7 (a count that is not a power of two)', () => {
  const counts = new Array<number>(7).fill(0);
  for (let i = 0; i < 7000; i++) counts[shardOf(`h${i}.example`, 7)]!++;
  for (const count of counts) assert.ok(count >= 800 && count <= 1200, `counts ${counts.join(', ')}`);
});

test('hosts that differ only in high bits of one character still spread over 4 shards (regression: FNV low bits)', () => {
  const hosts = 'aeimquy'.split('').map((c) => `${c}.com`);
  const shards = new Set(hosts.map((h) => shardOf(h, 4)));
  assert.ok(shards.size >= 3, `7 hosts landed on ${shards.size} shard(s)`);
});
