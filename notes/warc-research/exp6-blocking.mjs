// Exp 6: longest event-loop block per 10 MiB response: gzipSync of the whole record at the end (BufferedGzip)
// vs compressing each 64 KiB chunk as it arrives (StreamingGzip). node exp6-blocking.mjs
import { BufferedGzip, StreamingGzip, httpHead } from './lib/handwarc.mjs';
import { body } from './lib/rawserver.mjs';
const CH = 65536;
for (const kind of ['html', 'random']) {
  const b = body(10 * 2 ** 20, 5, kind);
  for (const [name, C] of [['buffered', BufferedGzip], ['streaming', StreamingGzip]]) for (const level of [6, 1]) {
    let worst = 0, total = 0, out;
    for (let rep = 0; rep < 3; rep++) {
      const r = new C({ level }); r.head(httpHead('HTTP/1.1 200 OK', []));
      for (let i = 0; i < b.length; i += CH) { const t = performance.now(); r.data(b.subarray(i, i + CH)); const d = performance.now() - t; worst = Math.max(worst, d); total += d; }
      const t = performance.now(); out = r.finish([['WARC-Type', 'response']]); const d = performance.now() - t; worst = Math.max(worst, d); total += d;
    }
    console.log(JSON.stringify({ body: kind + ' 10 MiB', writer: name, level, longestBlockMs: +worst.toFixed(1), totalMsPerRecord: +(total / 3).toFixed(0), memberBytes: out.length }));
  }
}
