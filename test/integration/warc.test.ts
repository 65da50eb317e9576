// --store-bodies through real servers on loopback, read back by an independent reader (test/support/
// warc_check.py, Python's zlib and hashlib: no code shared with the writer): every file whole, every row's
// span exactly one record, each response record what the server sent (head as received, body as it came off
// the wire: gzip left on, chunked framing off, cut at --max-body), its request beside it, redirects stored
// with their final answer, a retried answer not stored; files rotated at --warc-size; `urlsweep body`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { writeStoredBody } from '../../src/query/storedBody.js';
import { brotliCompressSync, deflateRawSync, gzipSync } from 'node:zlib';
import { row, sweepLines, type Row } from '../support/simSweep.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';
import { httpOnLoopback } from '../support/httpOnLoopback.js';
import { CLI, urlsweep } from '../support/cli.js';
import { readBackWarc, readWithWarcio, type StoredRow } from '../support/warcReader.js';

const web = useSimulatedWeb();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const page = Buffer.from('<html><head><title>Kept</title></head><body>' + 'text '.repeat(2000) + '</body></html>');
const gzipped = gzipSync(page);
const big = randomBytes(3 << 20);
const chunks = [Buffer.from('first,'), Buffer.from('second,'), Buffer.from('third')];
/** 64 MiB of zeros in 64 KB of gzip. */
const bomb = gzipSync(Buffer.alloc(64 << 20));
/** The raw server's answer, spacing and case as sent. */
const RAW_HEAD = 'HTTP/1.1 200 Fine Thanks\r\nX-Odd-CASE: spaced  out\r\ncontent-LENGTH: 5\r\nContent-Type: text/plain';

let flakyHits = 0;
const server = httpOnLoopback((req, res) => {
  switch (req.url) {
    case '/page':
      return void res.writeHead(200, { 'content-type': 'text/html', 'content-length': page.length }).end(page);
    case '/gzip':
      return void res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': gzipped.length }).end(gzipped);
    case '/rawdeflate':
      return void res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'deflate' }).end(deflateRawSync(page));
    case '/bomb':
      return void res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
    case '/stacked':
      return void res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipped));
    case '/chunked':
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const c of chunks) res.write(c);
      return void res.end();
    case '/big':
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length }).end(big);
    case '/moved':
      return void res.writeHead(301, { location: '/page', 'content-length': 5 }).end('moved');
    case '/flaky':
      // 503 the first time, with a body: only the 200 that ends the line is stored.
      if (flakyHits++ === 0) return void res.writeHead(503, { 'retry-after': '0', 'content-length': 4 }).end('busy');
      return void res.writeHead(200, { 'content-length': 5 }).end('fixed');
    default:
      return void res.writeHead(404, { 'content-length': 4 }).end('gone');
  }
});
/** A server that writes its answer as given (spacing, case): the head stored must be what it wrote. */
let raw: NetServer;
let rawBase = '';
before(async () => {
  raw = createNetServer((socket) => socket.once('data', () => socket.end(`${RAW_HEAD}\r\n\r\nhello`)));
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawBase = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
});
after(() => raw.close());
test('--store-bodies: every response as received, each row naming its record, read back by an independent reader', async () => {
  const paths = ['/page', '/gzip', '/chunked', '/big', '/moved', '/flaky', '/missing'];
  const lines = [...paths.map((p) => server.base + p), `${rawBase}/raw`];
  const result = await sweepLines(web.sim, web.dir, lines, {
    db: join(web.dir, 'archive.db'),
    method: 'GET',
    storeBodies: true,
    maxBody: 1 << 20,
    // Small files: the rows land in several.
    warcSize: 64 * 1024,
    retries: 1,
  });
  assert.equal(result.rows.length, lines.length);
  const files = readdirSync(join(web.dir, 'archive.warc')).sort();
  assert.ok(files.length >= 2, `rotated at --warc-size: ${files.join(', ')}`);
  assert.ok(files.every((f) => /^archive-\d{5}\.warc\.gz$/.test(f)), files.join(', '));
  const warc = readBackWarc(result.dbPath);
  for (const [file, records] of warc.files) assert.equal(records[0]!.type, 'warcinfo', `${file} begins with a warcinfo record`);
  const all = [...warc.files.values()].flat();
  const stored = (r: Row) => warc.stored(r as StoredRow);
  const expected: Record<string, { status: string; body: Buffer; truncated?: string }> = {
    '/page': { status: 'HTTP/1.1 200 OK', body: page },
    '/gzip': { status: 'HTTP/1.1 200 OK', body: gzipped },
    '/chunked': { status: 'HTTP/1.1 200 OK', body: Buffer.concat(chunks) },
    '/big': { status: 'HTTP/1.1 200 OK', body: big.subarray(0, 1 << 20), truncated: 'length' },
    '/moved': { status: 'HTTP/1.1 200 OK', body: page },
    '/flaky': { status: 'HTTP/1.1 200 OK', body: Buffer.from('fixed') },
    '/missing': { status: 'HTTP/1.1 404 Not Found', body: Buffer.from('gone') },
  };
  for (const path of paths) {
    const r = row(result, server.base + path);
    const { response, request } = stored(r);
    const want = expected[path]!;
    assert.deepEqual(
      [response.type, response.uri, response.http_head!.split('\r\n')[0], response.payload_sha256, response.truncated],
      ['response', r.final_url, want.status, sha(want.body), want.truncated ?? null],
      path,
    );
    assert.deepEqual([request.type, request.uri, request.concurrent_to, response.concurrent_to], ['request', r.final_url, response.id, request.id], `${path}: its request`);
    assert.match(request.http_head!, new RegExp(`^GET ${r.final_url!.slice(server.base.length)} HTTP/1\\.1\\r\\nhost: 127\\.0\\.0\\.1:\\d+\\r\\n`), path);
    // And read alone, by offset and length, as a replay tool does.
    assert.deepEqual(await readWithWarcio(result.dbPath, r as StoredRow), [{ type: 'response', uri: r.final_url, status: r.status, payloadSha256: sha(want.body) }], `${path}: warcio.js`);
  }
  // Chunked framing is gone from the body, and so is the header that announced it.
  assert.doesNotMatch(stored(row(result, `${server.base}/chunked`)).response.http_head!, /transfer-encoding/i);
  // The redirect is stored with the answer it led to (just before it); the retried 503 is not stored.
  const moved = stored(row(result, `${server.base}/moved`)).request;
  const hop = warc.files.get(row(result, `${server.base}/moved`).warc_file!)!;
  const hopResponse = hop[hop.indexOf(moved) - 1]!;
  assert.deepEqual([hopResponse.type, hopResponse.uri, hopResponse.http_head!.split('\r\n')[0], hopResponse.payload_sha256], ['response', `${server.base}/moved`, 'HTTP/1.1 301 Moved Permanently', sha(Buffer.from('moved'))]);
  assert.equal(flakyHits, 2, 'the 503 was retried');
  assert.equal(all.filter((c) => c.type === 'response' && c.uri === `${server.base}/flaky`).length, 1, 'one response stored for the line');
  // The head as the server wrote it: case, order and reason phrase kept.
  const rawRecord = stored(row(result, `${rawBase}/raw`)).response;
  assert.equal(rawRecord.http_head, RAW_HEAD);
  assert.equal(rawRecord.payload_sha256, sha(Buffer.from('hello')));
  // Every response in the files is one a row names, or a redirect's before it: nothing stored twice.
  const responses = all.filter((c) => c.type === 'response');
  assert.equal(responses.length, lines.length + 1, 'one response per line, and the redirect');

  // `urlsweep body`: decoded, raw, cut; and a line without a body says why.
  // Bytes, not text: run from another folder, the database named by a relative path.
  const body = (path: string, ...extra: string[]): Buffer =>
    execFileSync(process.execPath, [CLI, 'body', basename(result.dbPath), String(row(result, server.base + path).line), ...extra], { cwd: dirname(result.dbPath), maxBuffer: 4 << 20 });
  assert.equal(sha(body('/gzip')), sha(page), 'gzip removed');
  assert.equal(sha(body('/gzip', '--raw')), sha(gzipped), '--raw: as received');
  assert.equal(body('/chunked').toString(), 'first,second,third');
  assert.equal(sha(body('/big')), sha(big.subarray(0, 1 << 20)), 'cut at --max-body');
});

test('urlsweep body: a line without a stored body, or a HEAD sweep asked to store, says why', async () => {
  const result = await sweepLines(web.sim, web.dir, [`${server.base}/page`, 'not a url'], { db: join(web.dir, 'nobody.db'), method: 'GET' });
  const noStore = await urlsweep(['body', result.dbPath, '1'], { cwd: web.dir });
  assert.equal(noStore.code, 1);
  assert.match(noStore.stderr, /line 1 has no stored body \(outcome response\): bodies are stored by a GET sweep with --store-bodies/);
  const noLine = await urlsweep(['body', result.dbPath, '9'], { cwd: web.dir });
  assert.deepEqual([noLine.code, /line 9 has no row/.test(noLine.stderr)], [1, true], noLine.stderr);
  const head = await urlsweep(['run', join(web.dir, 'list.txt'), '--db', join(web.dir, 'head.db'), '--store-bodies'], { cwd: web.dir });
  assert.equal(head.code, 2);
  assert.match(head.stderr, /--store-bodies keeps the bodies of GET requests: add --method GET/);
});

test('two databases that share a WARC folder (crawl.db and crawl.sqlite) never cut or remove each other files', async () => {
  const first = await sweepLines(web.sim, web.dir, [`${server.base}/page`], { db: join(web.dir, 'twin.db'), method: 'GET', storeBodies: true });
  const second = await sweepLines(web.sim, web.dir, [`${server.base}/gzip`, `${server.base}/chunked`], { db: join(web.dir, 'twin.sqlite'), method: 'GET', storeBodies: true });
  // Each one's records are where its rows say, after the other's sweep trimmed the folder twice.
  const firstRecords = readBackWarc(first.dbPath);
  const secondRecords = readBackWarc(second.dbPath);
  assert.equal(firstRecords.stored(firstRecords.rows[0]!).response.payload_sha256, sha(page));
  assert.equal(secondRecords.stored(secondRecords.rows[0]!).response.payload_sha256, sha(gzipped));
  assert.equal(firstRecords.files.size, 2, 'one file each');
});

test('urlsweep body undoes a coding as the hash did (raw deflate too); one it does not undo is an error that says --raw', async () => {
  const result = await sweepLines(web.sim, web.dir, [`${server.base}/rawdeflate`, `${server.base}/stacked`], { db: join(web.dir, 'codings.db'), method: 'GET', storeBodies: true });
  assert.deepEqual(result.rows.map((r) => r.body_sha256), [sha(page), null], 'stacked codings: no hash');
  const body = (line: number, ...extra: string[]) => urlsweep(['body', result.dbPath, String(line), ...extra], { cwd: web.dir });
  const deflated = await body(1);
  assert.deepEqual([deflated.code, sha(Buffer.from(deflated.stdout))], [0, sha(page)]);
  const stacked = await body(2);
  assert.equal(stacked.code, 1);
  assert.match(stacked.stderr, /the body is encoded as "gzip, br", which urlsweep does not decode: --raw writes it as received/);
  assert.equal((await body(2, '--raw')).code, 0);
});

test('urlsweep body streams what a stored bomb expands to, at the pace of a slow reader', async () => {
  const result = await sweepLines(web.sim, web.dir, [`${server.base}/bomb`], { db: join(web.dir, 'bomb.db'), method: 'GET', storeBodies: true, maxBody: 1 << 20 });
  // Decoded past --max-body: its facts are cut; the wire was not, so the record holds all of it.
  assert.deepEqual([result.rows[0]!.truncated, result.rows[0]!.content_length], [1, bomb.length]);
  let bytes = 0;
  const slow = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (chunk.some((b) => b !== 0)) return done(new Error('not zeros'));
      setImmediate(done);
    },
  });
  await writeStoredBody({ db: result.dbPath, line: 1, raw: false }, slow);
  assert.equal(bytes, 64 << 20, 'all of it, decoded');
});
