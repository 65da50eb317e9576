// Rates on the command line (src/options/rate.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate, parseRate } from '../../src/options/rate.js';
import { UsageError } from '../../src/result/errors.js';

test('rates per second, minute and hour; a bare number is per second', () => {
  assert.equal(parseRate('5/s'), 5);
  assert.equal(parseRate('30/m'), 0.5);
  assert.equal(parseRate('3600/h'), 1);
  assert.equal(parseRate('2.5'), 2.5);
  assert.equal(parseRate(' 10 / S '), 10);
  assert.equal(parseRate(7), 7);
});

test('anything else is a usage error with examples', () => {
  for (const bad of ['', 'fast', '0/s', '-1/s', '5/d', '5 per second', 0, -3]) {
    assert.throws(() => parseRate(bad), (err) => err instanceof UsageError && /examples: 5\/s, 30\/m/.test(err.message), String(bad));
  }
});

test('formatted as it was probably written', () => {
  assert.equal(formatRate(5), '5/s');
  assert.equal(formatRate(0.5), '30/m');
  assert.equal(formatRate(1 / 3600), '1/h');
});
