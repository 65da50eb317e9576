// Sizes on the command line (src/options/size.ts): units of 1024, however written; bad ones refused plainly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from '../../src/options/size.js';
import { UsageError } from '../../src/result/errors.js';

test('sizes: bytes, K, M, G in units of 1024, with or without i and B, any case, decimals', () => {
  for (const [text, bytes] of [['2048', 2048], ['10MiB', 10 << 20], ['10mb', 10 << 20], ['10M', 10 << 20], ['512KiB', 512 << 10], ['1.5k', 1536], ['1GiB', 1 << 30], [' 3 B ', 3], [4096, 4096]] as const) {
    assert.equal(parseSize(text), bytes, String(text));
  }
  for (const bad of ['', 'ten', '10TB', '-1', '0', '1.5']) {
    assert.throws(() => parseSize(bad), (e: Error) => e instanceof UsageError && e.message.startsWith(`not a size: "${bad}"`), bad);
  }
});
