// Exp 5: kill -9 while writing. Child writes request+response members and reports each response's offset:length
// to the parent (standing in for the SQLite row) either after fs.writeSync returned ('sync'), or right after
// WriteStream.write() was called ('stream': bytes may still be queued in the process). Parent kill -9s it, then
// ('stream-busy': the same, but the loop never yields, so the queued writes never run)
// checks every reported span is a whole gzip member, truncates the file to the largest reported end (resume),
// and runs the Python checker over the result.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs'; import zlib from 'node:zlib';
import { BufferedGzip, httpHead, recordId } from './lib/handwarc.mjs';
import { body } from './lib/rawserver.mjs';

if (process.argv[2] === 'child') {
  const [mode, file] = process.argv.slice(3);
  const big = body(1_000_000, 3, 'random'), small = body(10_000, 4);
  const fd = mode.startsWith('sync') ? fs.openSync(file, 'w') : null;
  const ws = mode.startsWith('stream') ? fs.createWriteStream(file) : null;
  let offset = 0; const SLEEP = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; ; i++) {
    if (mode !== 'stream-busy') await new Promise(setImmediate); // let the event loop run (as a real worker does)
    const b = i % 3 ? small : big, url = `http://x.test/${i}`, reqId = recordId(), respId = recordId();
    const members = [];
    const rq = new BufferedGzip(); rq.head(httpHead(`GET /${i} HTTP/1.1`, [Buffer.from('Host'), Buffer.from('x.test')]));
    members.push(rq.finish([['WARC-Type', 'request'], ['WARC-Record-ID', reqId], ['WARC-Concurrent-To', respId], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=request']]));
    const rs = new BufferedGzip({ level: 1 }); rs.head(httpHead('HTTP/1.1 200 OK', [])); rs.data(b);
    members.push(rs.finish([['WARC-Type', 'response'], ['WARC-Record-ID', respId], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=response']]));
    for (const m of members) {
      if (mode === 'sync-sliced') for (let j = 0; j < m.length; j += 65536) { fs.writeSync(fd, m.subarray(j, j + 65536)); Atomics.wait(SLEEP, 0, 0, 2); } // slow, sliced writes: torn tails likely
      else if (fd !== null) fs.writeSync(fd, m); else ws.write(m);
      offset += m.length;
    }
    fs.writeSync(1, `${offset - members[1].length}:${members[1].length}\n`); // "row committed"
  }
} else {
  for (const mode of ['sync', 'sync-sliced', 'stream', 'stream-busy']) {
    const file = `out/kill9-${mode}.warc.gz`;
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, 'child', mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = ''; child.stdout.on('data', (d) => (text += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGKILL'); await new Promise((r) => child.on('exit', r));
    const spans = text.split('\n').filter((l) => /^\d+:\d+$/.test(l)).map((l) => l.split(':').map(Number));
    const buf = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
    let bad = 0;
    for (const [o, l] of spans) { try { if (o + l > buf.length) throw 0; zlib.gunzipSync(buf.subarray(o, o + l)); } catch { bad++; } }
    const end = Math.max(0, ...spans.map(([o, l]) => o + l));
    console.log(JSON.stringify({ mode, fileBytes: buf.length, reportedRows: spans.length, reportedButNotWhole: bad, maxReportedEnd: end, tornTailBytes: buf.length - end }));
    const before = spawnSync('python3', ['warc_check.py', file], { encoding: 'utf8' }).stderr.trim();
    console.log('  before truncate, python checker:', before);
    if (!bad) {
      fs.truncateSync(file, end);   // resume: cut everything after the last referenced member
      const r = spawnSync('python3', ['warc_check.py', file, ...spans.map((s) => s.join(':'))], { encoding: 'utf8' }).stderr.trim();
      console.log('  after truncate to maxReportedEnd, python checker:', r);
    }
  }
}
