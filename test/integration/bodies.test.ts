// What a GET's body says, through a real server on loopback: titles in UTF-8, Latin-1 (by the header) and
// windows-1251 (by a <meta>), gzip and brotli bodies, the hash of the body as delivered, the final answer's
// headers as JSON (HEAD too), and --max-body cutting a body that is too long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { row, sweepLines } from '../support/simSweep.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';
import { httpOnLoopback } from '../support/httpOnLoopback.js';

const web = useSimulatedWeb();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const utf8 = Buffer.from('<html><head><title>Grüße &amp; 日本</title></head><body>hello</body></html>');
const latin1 = Buffer.from('<title>Caf\xe9 cr\xe8me</title>', 'latin1');
const cp1251 = Buffer.concat([Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>'), Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), Buffer.from('</title>')]);
const big = Buffer.alloc(3 << 20, 'b');

const pages: Record<string, { body: Buffer; headers: Record<string, string | string[]> }> = {
  '/utf8': { body: utf8, headers: { 'content-type': 'text/html; charset=utf-8' } },
  '/latin1': { body: latin1, headers: { 'content-type': 'text/html; charset=ISO-8859-1' } },
  '/meta': { body: cp1251, headers: { 'content-type': 'text/html' } },
  '/gzip': { body: gzipSync(utf8), headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' } },
  '/br': { body: brotliCompressSync(utf8), headers: { 'content-type': 'text/html', 'content-encoding': 'br' } },
  '/big': { body: big, headers: { 'content-type': 'application/octet-stream' } },
  '/cookies': { body: Buffer.from('ok'), headers: { 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'x-thing': 'yes' } },
};

const server = httpOnLoopback((req, res) => {
  if (req.url === '/moved') return void res.writeHead(301, { location: '/utf8' }).end();
  const page = pages[req.url!];
  if (!page) return void res.writeHead(404).end();
  res.writeHead(200, { ...page.headers, 'content-length': page.body.length });
  res.end(req.method === 'HEAD' ? undefined : page.body);
});

test('GET: titles in their charsets, hashes of the body as delivered (gzip and brotli undone), headers as JSON', async () => {
  const paths = ['/utf8', '/latin1', '/meta', '/gzip', '/br', '/cookies', '/moved'];
  const result = await sweepLines(web.sim, web.dir, paths.map((p) => server.base + p), { db: `${web.dir}/bodies-get.db`, method: 'GET' });
  const at = (path: string) => row(result, server.base + path);
  assert.deepEqual(
    paths.map((p) => [p, at(p).title, at(p).body_sha256, at(p).truncated]),
    [
      ['/utf8', 'Grüße & 日本', sha(utf8), 0],
      ['/latin1', 'Café crème', sha(latin1), 0],
      ['/meta', 'Привет', sha(cp1251), 0],
      ['/gzip', 'Grüße & 日本', sha(utf8), 0],
      ['/br', 'Grüße & 日本', sha(utf8), 0],
      ['/cookies', null, sha(Buffer.from('ok')), 0],
      ['/moved', 'Grüße & 日本', sha(utf8), 0],
    ],
  );
  assert.equal(at('/gzip').content_length, pages['/gzip']!.body.length, 'content_length: the bytes on the wire');
  const headers = JSON.parse(at('/cookies').headers!) as Record<string, unknown>;
  assert.deepEqual([headers['set-cookie'], headers['x-thing'], headers['content-length']], [['a=1', 'b=2'], 'yes', '2']);
  assert.equal((JSON.parse(at('/moved').headers!) as Record<string, unknown>)['content-type'], 'text/html; charset=utf-8', "the final answer's headers");
});

test('--max-body: a body past it is cut there and marked truncated; HEAD keeps headers and no body facts', async () => {
  const cut = await sweepLines(web.sim, web.dir, [`${server.base}/big`, `${server.base}/utf8`], { db: `${web.dir}/bodies-cut.db`, method: 'GET', maxBody: 1 << 20 });
  const r = row(cut, `${server.base}/big`);
  assert.deepEqual([r.outcome, r.status, r.truncated, r.body_sha256], ['response', 200, 1, sha(big.subarray(0, 1 << 20))]);
  assert.ok(r.content_length! >= 1 << 20 && r.content_length! < 2 << 20, `read ${r.content_length} bytes of ${big.length}`);
  assert.equal(row(cut, `${server.base}/utf8`).truncated, 0);
  const head = await sweepLines(web.sim, web.dir, [`${server.base}/utf8`], { db: `${web.dir}/bodies-head.db`, method: 'HEAD' });
  const h = row(head, `${server.base}/utf8`);
  assert.deepEqual([h.title, h.body_sha256, h.truncated], [null, null, 0]);
  assert.equal((JSON.parse(h.headers!) as Record<string, unknown>)['content-type'], 'text/html; charset=utf-8');
});
