// sanity: crc32Combine vs zlib.crc32 of the concatenation; StreamingGzip output gunzips to the same bytes as BufferedGzip
import zlib from 'node:zlib'; import assert from 'node:assert';
import { crc32Combine, BufferedGzip, StreamingGzip, httpHead } from './lib/handwarc.mjs';
import { body } from './lib/rawserver.mjs';
for (const [a, b] of [[0, 5], [7, 0], [100, 65536], [3, 10 << 20]]) {
  const A = body(a, 3, 'random'), B = body(b, 5, 'random');
  assert.equal(crc32Combine(zlib.crc32(A), zlib.crc32(B), B.length), zlib.crc32(Buffer.concat([A, B])));
}
const fields = [['WARC-Type', 'response'], ['WARC-Record-ID', '<urn:uuid:x>']];
const h = httpHead('HTTP/1.1 200 OK', [Buffer.from('Content-Type'), Buffer.from('text/html')]);
const data = body(300000, 9);
const outs = [BufferedGzip, StreamingGzip].map((C) => { const r = new C(); r.head(h); for (let i = 0; i < data.length; i += 16384) r.data(data.subarray(i, i + 16384)); return r.finish(fields); });
assert.deepEqual(zlib.gunzipSync(outs[0]), zlib.gunzipSync(outs[1]));
console.log('ok; buffered member', outs[0].length, 'streaming member', outs[1].length, 'bytes for', data.length);
