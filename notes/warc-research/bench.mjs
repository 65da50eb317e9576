// Throughput: node bench.mjs <writer> <set>   (one process per run; bodies pre-generated, fed in 16 KiB chunks)
// sets: small = 2000 x 10 KB html-like, large = 200 x 1 MB html-like, random = 200 x 1 MB incompressible
import fs from 'node:fs';
import { WARCRecord, WARCSerializer } from 'warcio';
import { WARCSerializer as NodeWARCSerializer } from 'warcio/node';
import { body } from './lib/rawserver.mjs';
import { BufferedGzip, StreamingGzip, httpHead, recordId } from './lib/handwarc.mjs';

const [writer, set] = process.argv.slice(2);
const SETS = { small: [2000, 10_000, 'html'], large: [200, 1_000_000, 'html'], random: [200, 1_000_000, 'random'] };
const [count, size, kind] = SETS[set];
const CH = 16384;
// 20 distinct bodies reused (generation cost kept out of the timing)
const bodies = Array.from({ length: 20 }, (_, i) => body(size, i + 1, kind));
const respHeaders = (len) => [['Content-Type', 'text/html; charset=utf-8'], ['Content-Length', String(len)], ['Server', 'bench'], ['Date', 'Thu, 01 Jan 2026 00:00:00 GMT']];
const reqHeaders = (host) => [['Host', host], ['User-Agent', 'urlsweep/0.1'], ['Accept', '*/*']];

const out = `out/bench-${writer}-${set}.warc.gz`;
fs.mkdirSync('out', { recursive: true });
const fd = fs.openSync(out, 'w');
let offset = 0;
const index = [];
const write = (buf) => { fs.writeSync(fd, buf); const o = offset; offset += buf.length; return [o, buf.length]; };

async function* chunksOf(b) { for (let i = 0; i < b.length; i += CH) yield b.subarray(i, i + CH); }
const DIG = { algo: 'sha-1', prefix: 'sha1:', base32: true };

async function warcioWrite(Ser, opts, rec) {
  const start = offset;
  for await (const c of new Ser(rec, opts)) { fs.writeSync(fd, c); offset += c.length; }
  return [start, offset - start];
}

const variants = {
  'warcio': { Ser: WARCSerializer, opts: { gzip: true, digest: DIG } },
  'warcio-sha256hex': { Ser: WARCSerializer, opts: { gzip: true } },
  'warcio-pako': { Ser: WARCSerializer, opts: { gzip: true, digest: DIG, preferPako: true } },
  'warcio-node': { Ser: NodeWARCSerializer, opts: { gzip: true, digest: DIG } },
  'warcio-nogzip': { Ser: WARCSerializer, opts: { gzip: false, digest: DIG } },
};
const hand = {
  'hand-buf-l6': [BufferedGzip, 6, false], 'hand-buf-l1': [BufferedGzip, 1, false], 'hand-buf-async-l6': [BufferedGzip, 6, true],
  'hand-stream-l6': [StreamingGzip, 6, false], 'hand-stream-l1': [StreamingGzip, 1, false],
};

const t0 = process.hrtime.bigint(); const cpu0 = process.cpuUsage();
let maxRecordMs = 0;
for (let i = 0; i < count; i++) {
  const url = `http://host${i % 50}.example/page/${i}`; const host = `host${i % 50}.example`;
  const date = new Date().toISOString(); const reqId = recordId(), respId = recordId();
  const b = bodies[i % bodies.length];
  const tr = process.hrtime.bigint();
  if (variants[writer]) {
    const { Ser, opts } = variants[writer];
    const req = WARCRecord.create({ url, date, type: 'request', warcVersion: 'WARC/1.1', statusline: `GET /page/${i} HTTP/1.1`, httpHeaders: reqHeaders(host), warcHeaders: { 'WARC-Record-ID': reqId, 'WARC-Concurrent-To': respId } });
    await warcioWrite(Ser, opts, req);
    const resp = WARCRecord.create({ url, date, type: 'response', warcVersion: 'WARC/1.1', statusline: 'HTTP/1.1 200 OK', httpHeaders: respHeaders(b.length), warcHeaders: { 'WARC-Record-ID': respId } }, chunksOf(b));
    index.push(await warcioWrite(Ser, opts, resp));
  } else {
    const [C, level, isAsync] = hand[writer];
    const rq = new C({ level }); rq.head(httpHead(`GET /page/${i} HTTP/1.1`, reqHeaders(host).flat().map((s) => Buffer.from(s))));
    const rqFields = [['WARC-Type', 'request'], ['WARC-Record-ID', reqId], ['WARC-Concurrent-To', respId], ['WARC-Date', date], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=request']];
    write(isAsync ? await rq.finishAsync(rqFields) : rq.finish(rqFields));
    const rs = new C({ level }); rs.head(httpHead('HTTP/1.1 200 OK', respHeaders(b.length).flat().map((s) => Buffer.from(s))));
    for (let j = 0; j < b.length; j += CH) rs.data(b.subarray(j, j + CH));
    const rsFields = [['WARC-Type', 'response'], ['WARC-Record-ID', respId], ['WARC-Date', date], ['WARC-Target-URI', url], ['Content-Type', 'application/http; msgtype=response']];
    index.push(write(isAsync ? await rs.finishAsync(rsFields) : rs.finish(rsFields)));
  }
  const ms = Number(process.hrtime.bigint() - tr) / 1e6; if (ms > maxRecordMs) maxRecordMs = ms;
}
fs.closeSync(fd);
const secs = Number(process.hrtime.bigint() - t0) / 1e9; const cpu = process.cpuUsage(cpu0);
const mb = (count * size) / 1e6;
fs.writeFileSync(out + '.idx', index.map(([o, l]) => `${o}:${l}`).join('\n'));
console.log(JSON.stringify({ writer, set, records: count, bodyMB: mb, secs: +secs.toFixed(2), MBps: +(mb / secs).toFixed(1), respRecPerSec: Math.round(count / secs),
  cpuSecs: +((cpu.user + cpu.system) / 1e6).toFixed(2), outMB: +(offset / 1e6).toFixed(2), maxRecordMs: +maxRecordMs.toFixed(1), peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
