// rotation + checker: node test-warcfile.mjs
import fs from 'node:fs'; import { spawnSync } from 'node:child_process';
import { WarcFile } from './lib/warcfile.mjs'; import { BufferedGzip, StreamingGzip, httpHead, recordId } from './lib/handwarc.mjs'; import { body } from './lib/rawserver.mjs';
fs.rmSync('out/rot', { recursive: true, force: true }); fs.mkdirSync('out/rot', { recursive: true });
const w = new WarcFile({ dir: 'out/rot', prefix: 'urlsweep-run1-w0', maxBytes: 5e6 });
const rows = [];
for (let i = 0; i < 60; i++) {
  const url = `http://x.test/${i}`, reqId = recordId(), respId = recordId(), date = new Date().toISOString();
  const rq = new BufferedGzip(); rq.head(httpHead(`GET /${i} HTTP/1.1`, [Buffer.from('Host'), Buffer.from('x.test')]));
  const rs = new StreamingGzip(); rs.head(httpHead('HTTP/1.1 200 OK', [Buffer.from('Content-Type'), Buffer.from('text/html')]));
  const b = body(i % 5 ? 20_000 : 2_000_000, i, i % 2 ? 'html' : 'random'); for (let j = 0; j < b.length; j += 65536) rs.data(b.subarray(j, j + 65536));
  rows.push(w.append([
    rq.finish([['WARC-Type', 'request'], ['WARC-Record-ID', reqId], ['WARC-Concurrent-To', respId], ['WARC-Date', date], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=request']]),
    rs.finish([['WARC-Type', 'response'], ['WARC-Record-ID', respId], ['WARC-Date', date], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=response']]),
  ]));
}
w.close();
const files = [...new Set(rows.map((r) => r.file))];
for (const f of files) {
  const spans = rows.filter((r) => r.file === f).map((r) => `${r.offset}:${r.length}`);
  const r = spawnSync('python3', ['warc_check.py', `out/rot/${f}`, ...spans], { encoding: 'utf8' });
  console.log(f, fs.statSync(`out/rot/${f}`).size, 'bytes', spans.length, 'rows ->', r.stderr.trim());
}
