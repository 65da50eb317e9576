// What a body says (workers/bodyReader.ts): SHA-256 and <title> of the body as delivered, through gzip,
// deflate and brotli; charsets from the header, a <meta> and a BOM; --max-body on the wire and decoded
// (a bomb stops early); a body that is not what its coding says keeps its status but loses its facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { BodyReader, decoderTurns, findTitle, MAX_DECODING, MAX_HELD_BYTES } from '../../workers/bodyReader.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Feeds `wire` in chunks of `size` bytes, a turn of the event loop apart, as a socket would. */
async function readBody(wire: Buffer, encoding: string | null, contentType: string | null, max = 10 << 20, size = 1000) {
  const reader = new BodyReader(encoding, contentType, max);
  for (let i = 0; i < wire.length; i += size) {
    if (reader.write(wire.subarray(i, i + size)) === 'stop') break;
    await new Promise(setImmediate);
  }
  return reader.end();
}

const page = '<!doctype html><html><head><meta charset="utf-8"><title>\n  Ünïcödé   &amp; &#x263A; &lt;ok&gt;\n</title></head><body>' + 'x'.repeat(50_000) + '</body></html>';

test('plain, gzip, deflate and brotli bodies: the same hash and title, of the body as delivered', async () => {
  const body = Buffer.from(page);
  for (const [coding, wire] of [[null, body], ['gzip', gzipSync(body)], ['x-gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['br', brotliCompressSync(body)]] as const) {
    const facts = await readBody(wire, coding, 'text/html');
    assert.deepEqual(facts, { sha256: sha(body), title: 'Ünïcödé & ☺ <ok>', truncated: false, wireBytes: wire.length }, String(coding));
  }
});

test('charsets: the header, a <meta> (charset= and http-equiv), a BOM; UTF-8 when it is, else windows-1252', () => {
  const latin1 = Buffer.from('<title>Caf\xe9 cr\xe8me</title>', 'latin1');
  assert.equal(findTitle(latin1, 'text/html; charset=ISO-8859-1'), 'Café crème');
  assert.equal(findTitle(latin1, 'text/html'), 'Café crème', 'not UTF-8: windows-1252, as browsers guess');
  const cp1251 = Buffer.concat([Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>'), Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), Buffer.from('</title>')]);
  assert.equal(findTitle(cp1251, null), 'Привет');
  const sjis = Buffer.concat([Buffer.from('<meta charset=shift_jis><title>'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('</title>')]);
  assert.equal(findTitle(sjis, 'text/html'), '日本');
  assert.equal(findTitle(Buffer.from('\ufeff<title>Bom ✓</title>'), 'text/html; charset=iso-8859-1'), 'Bom ✓', 'a BOM wins over the header');
  assert.equal(findTitle(Buffer.from('<TITLE lang=en>Upper</TITLE>'), null), 'Upper');
  assert.equal(findTitle(Buffer.from('<title>cut off at the window'), null), 'cut off at the window');
  assert.equal(findTitle(Buffer.from('<html><body>no title</body></html>'), null), null);
  assert.equal(findTitle(Buffer.from('<title> \n </title>'), null), null);
  assert.equal(findTitle(Buffer.from(`<title>${'long '.repeat(400)}</title>`), null)!.length, 1000);
});

test('--max-body: a body past it on the wire is cut there, marked truncated, and reading stops', async () => {
  const body = Buffer.alloc(100_000, 'a');
  const reader = new BodyReader(null, null, 30_000);
  let chunks = 0;
  for (let i = 0; i < body.length; i += 1000) {
    chunks++;
    if (reader.write(body.subarray(i, i + 1000)) === 'stop') break;
  }
  assert.equal(chunks, 31, 'stopped at the first chunk past the cap');
  assert.deepEqual(await reader.end(), { sha256: sha(body.subarray(0, 30_000)), title: null, truncated: true, wireBytes: 30_000 });
});

test('a compression bomb stops at --max-body decoded, after little work; its hash is of what was decoded', async () => {
  const bomb = gzipSync(Buffer.alloc(256 << 20));
  const started = process.cpuUsage();
  const facts = await readBody(bomb, 'gzip', null, 1 << 20, 16_384);
  const cpuMs = (process.cpuUsage(started).user + process.cpuUsage(started).system) / 1000;
  assert.equal(facts.truncated, true);
  assert.equal(facts.sha256, sha(Buffer.alloc(1 << 20)));
  assert.equal(facts.wireBytes, bomb.length, 'its few wire bytes read on (the wire is not what was cut)');
  // Inflating all 256 MiB takes ~300 ms of CPU here; a 1 MiB cap, a few. Wide margin for a loaded machine.
  assert.ok(cpuMs < 150, `${cpuMs} ms of CPU`);
});

test('a body that is not what its coding says: no hash, no title, no error', async () => {
  const facts = await readBody(Buffer.from('<title>plain, said gzip</title>'), 'gzip', 'text/html');
  assert.deepEqual(facts, { sha256: null, title: null, truncated: false, wireBytes: 31 });
});

test('raw deflate (sent as "deflate" by some servers), an empty body said to be gzip, stacked or unknown codings', async () => {
  const body = Buffer.from(page);
  assert.equal((await readBody(deflateRawSync(body), 'deflate', 'text/html')).sha256, sha(body), 'raw deflate, as browsers take it');
  // zlib's or raw is told by two bytes: a first piece of one byte waits for the second.
  assert.equal((await readBody(deflateSync(body), 'deflate', 'text/html', 10 << 20, 1)).sha256, sha(body), 'zlib deflate, a byte at a time');
  assert.deepEqual(await readBody(Buffer.alloc(0), 'gzip', null), { sha256: sha(''), title: null, truncated: false, wireBytes: 0 });
  assert.equal((await readBody(gzipSync(body), 'gzip, identity', 'text/html')).sha256, sha(body), 'identity is no coding');
  for (const coding of ['gzip, br', 'zstd']) {
    assert.deepEqual(await readBody(brotliCompressSync(gzipSync(body)), coding, 'text/html'), { sha256: null, title: null, truncated: false, wireBytes: brotliCompressSync(gzipSync(body)).length }, coding);
  }
});

test('at most MAX_DECODING pieces inflate at once in a thread; the others hold their bytes and inflate in turn', async () => {
  const body = Buffer.from('<title>turns</title>' + randomBytes(10_000).toString('hex'));
  const wire = gzipSync(body);
  const readers = Array.from({ length: MAX_DECODING + 3 }, () => new BodyReader('gzip', 'text/html', 10 << 20));
  assert.deepEqual(readers.map((r) => r.write(wire.subarray(0, 100))), Array(MAX_DECODING + 3).fill('more'));
  assert.deepEqual(decoderTurns(), { decoding: MAX_DECODING, waiting: 3, heldBytes: 300 });
  // One that fails while waiting gives up its place and its bytes.
  readers[MAX_DECODING + 1]!.abandon();
  assert.deepEqual(decoderTurns(), { decoding: MAX_DECODING, waiting: 2, heldBytes: 200 });
  const rest = readers.filter((_, i) => i !== MAX_DECODING + 1);
  for (const r of rest) r.write(wire.subarray(100));
  const facts = await Promise.all(rest.map((r) => r.end()));
  for (const f of facts) assert.deepEqual([f.title, f.sha256, f.truncated], ['turns', sha(body), false]);
  assert.deepEqual(decoderTurns(), { decoding: 0, waiting: 0, heldBytes: 0 });
});

test('a body that trickles in holds no turn between its pieces: the others are not kept waiting', { timeout: 10_000 }, async () => {
  const slow = Array.from({ length: MAX_DECODING }, () => new BodyReader('gzip', null, 10 << 20));
  const slowWire = gzipSync(randomBytes(50_000));
  for (const r of slow) r.write(slowWire.subarray(0, 1000));
  const quick = gzipSync(Buffer.from('<title>quick</title>'));
  // Its end comes while the slow ones still have most of their bodies to come.
  const fast = await readBody(quick, 'gzip', 'text/html');
  assert.equal(fast.title, 'quick');
  for (const r of slow) r.abandon();
  assert.deepEqual(decoderTurns(), { decoding: 0, waiting: 0, heldBytes: 0 });
});

test('a body that would hold more than MAX_HELD_BYTES waiting inflates without waiting', async () => {
  const busy = Array.from({ length: MAX_DECODING }, () => new BodyReader('gzip', null, 10 << 20));
  const small = gzipSync(Buffer.from('x'));
  for (const r of busy) r.write(small.subarray(0, 5));
  const body = Buffer.alloc(MAX_HELD_BYTES + 1024, 'z');
  const big = new BodyReader('gzip', null, 2 * MAX_HELD_BYTES);
  const wire = gzipSync(body, { level: 0 });
  big.write(wire.subarray(0, MAX_HELD_BYTES / 2));
  assert.deepEqual(decoderTurns(), { decoding: MAX_DECODING, waiting: 1, heldBytes: MAX_HELD_BYTES / 2 });
  big.write(wire.subarray(MAX_HELD_BYTES / 2));
  assert.deepEqual(decoderTurns(), { decoding: MAX_DECODING + 1, waiting: 0, heldBytes: 0 });
  assert.equal((await big.end()).sha256, sha(body));
  for (const r of busy) r.abandon();
  assert.deepEqual(decoderTurns(), { decoding: 0, waiting: 0, heldBytes: 0 });
});

test('a body given up while it waits for its turn ends at once', { timeout: 10_000 }, async () => {
  const busy = Array.from({ length: MAX_DECODING }, () => new BodyReader('gzip', null, 10 << 20));
  for (const r of busy) r.write(gzipSync(randomBytes(1000)).subarray(0, 100));
  const waiting = new BodyReader('gzip', null, 10 << 20);
  waiting.write(gzipSync(Buffer.from('x')));
  const ended = waiting.end();
  waiting.abandon();
  assert.equal((await ended).wireBytes, 21);
  for (const r of busy) r.abandon();
  assert.deepEqual(decoderTurns(), { decoding: 0, waiting: 0, heldBytes: 0 });
});
