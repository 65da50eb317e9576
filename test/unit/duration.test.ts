// Unit tests for command-line durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/options/duration.js';

const accepted: Array<[string | number, number]> = [
  ['500ms', 500],
  ['10s', 10_000],
  ['2m', 120_000],
  ['1h', 3_600_000],
  ['1.5s', 1500],
  ['0.5m', 30_000],
  ['3', 3000],
  [3, 3000],
  [0.25, 250],
  [' 10s ', 10_000],
  ['10 s', 10_000],
  ['10S', 10_000],
  ['250MS', 250],
  ['1.0004s', 1000],
];
for (const [input, ms] of accepted) {
  test(`${JSON.stringify(input)} is ${ms} ms`, () => {
    assert.equal(parseDuration(input), ms);
  });
}

const rejected: Array<string | number> = ['abc', '-1s', '0', '0s', '0ms', '10x', '', 's', '1.s', '1e3', '10 seconds', -1, 0, Number.NaN, Number.POSITIVE_INFINITY];
for (const input of rejected) {
  test(`${JSON.stringify(String(input))} is rejected with a message that names it`, () => {
    assert.throws(
      () => parseDuration(input),
      (err: unknown) => err instanceof Error && err.message.includes(`"${String(input)}"`),
    );
  });
}
