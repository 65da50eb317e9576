// Exp 1: warcio.js 2.4.x: request + response records from raw bytes, one gzip member each, offsets/lengths.
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { WARCRecord, WARCSerializer } from 'warcio';
import { startServer } from './lib/rawserver.mjs';
import { capture, Pool } from './lib/capture.mjs';

const { srv, port } = await startServer();
const pool = new Pool(`http://127.0.0.1:${port}`);
const out = 'out/exp1-warcio.warc.gz';
fs.mkdirSync('out', { recursive: true });
const fd = fs.openSync(out, 'w');
let offset = 0;
const index = [];
const DIGEST = { algo: 'sha-1', prefix: 'sha1:', base32: true }; // default would be sha-256 / "sha256:" / hex

async function writeRecord(record) {
  const start = offset;
  // each serializer run = one complete gzip member (CompressionStream('gzip') per record)
  for await (const chunk of new WARCSerializer(record, { gzip: true, digest: DIGEST })) {
    fs.writeSync(fd, chunk); offset += chunk.length;
  }
  return { offset: start, length: offset - start };
}

for (const path of ['/odd', '/gz', '/page?n=10000']) {
  const url = new URL(path, `http://127.0.0.1:${port}`);
  const reqHeaders = { 'user-agent': 'urlsweep/0.1', accept: '*/*' };
  const r = await capture(pool, url, reqHeaders);
  const date = new Date().toISOString(); // WARC 1.1 allows sub-second precision
  const reqId = `<urn:uuid:${randomUUID()}>`, respId = `<urn:uuid:${randomUUID()}>`;
  // raw header Buffers -> [name, value] pairs (latin1 keeps bytes 1:1 in a JS string)
  const pairs = [];
  for (let i = 0; i < r.rawHeaders.length; i += 2) pairs.push([r.rawHeaders[i].toString('latin1'), r.rawHeaders[i + 1].toString('latin1')]);
  const request = WARCRecord.create({
    url: url.href, date, type: 'request', warcVersion: 'WARC/1.1',
    statusline: `GET ${url.pathname}${url.search} HTTP/1.1`,
    httpHeaders: [['Host', url.host], ...Object.entries(reqHeaders)],
    warcHeaders: { 'WARC-Record-ID': reqId, 'WARC-Concurrent-To': respId },
  });
  const response = WARCRecord.create({
    url: url.href, date, type: 'response', warcVersion: 'WARC/1.1',
    statusline: `HTTP/1.1 ${r.statusCode} ${r.statusMessage}`,
    httpHeaders: pairs,          // array form -> HeadersMultiMap (keeps case)
    warcHeaders: { 'WARC-Record-ID': respId, 'WARC-IP-Address': '127.0.0.1' },
  }, r.body);                    // async iterable of Uint8Array
  const a = await writeRecord(request);
  const b = await writeRecord(response);
  index.push({ url: url.href, req: a, resp: b });
}
fs.closeSync(fd);
console.log(JSON.stringify(index, null, 1));
await pool.close(); srv.close();
