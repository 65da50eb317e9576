// Why urlsweep writes WARC itself: the same request and response records through warcio.js (the library
// ReplayWeb.page is built on: WARCRecord + WARCSerializer, gzip, SHA-1 digests in base32 as ours) and
// through workers/warc/record.ts, alternately, each appended to a file with writeSync as a worker does.
// Bodies come in 16 KiB pieces, as off a socket. Prints records/s, CPU seconds, the longest single record
// (how long a worker's event loop would stall on it) and the output's size.
// Usage: node dist/scripts/bench-warc-writers.js [--rounds 3]
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WARCRecord, WARCSerializer } from 'warcio';
import { newRecordId, RecordBuilder, wholeRecord, type Member } from '../workers/warc/record.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const work = join(fileURLToPath(new URL('../..', import.meta.url)), '.bench', 'warc-writers');
mkdirSync(work, { recursive: true });
const PIECE = 16 * 1024;

/** Text that compresses as web pages do (4-6x), or bytes that do not compress at all. */
function body(bytes: number, seed: number, kind: 'html' | 'random'): Buffer {
  const out = Buffer.alloc(bytes);
  const words = ['<div class="item">', '<a href="/p/', '">', '</a>', '<p>', 'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', '</p>', '\n', '</div>'];
  let x = seed;
  let at = 0;
  while (at < bytes) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    if (kind === 'random') out[at++] = x & 255;
    else at += out.write(((x >>> 0) % 3 === 0 ? String((x >>> 0) % 100_000) : words[(x >>> 0) % words.length]!) + ' ', at, 'latin1');
  }
  return out;
}

const SETS = [
  { name: '10 KB pages', count: 20_000, bodies: Array.from({ length: 20 }, (_, i) => body(10_000, i + 1, 'html')) },
  { name: '1 MB pages', count: 300, bodies: Array.from({ length: 5 }, (_, i) => body(1_000_000, i + 1, 'html')) },
  { name: '1 MB random', count: 300, bodies: Array.from({ length: 5 }, (_, i) => body(1_000_000, i + 1, 'random')) },
];

interface Run {
  recordsPerSecond: number;
  cpuSeconds: number;
  maxRecordMs: number;
  outMb: number;
}

type Writer = (fd: number, i: number, page: Buffer) => Promise<void>;

const append = (fd: number, member: Member): void => {
  for (const piece of member.pieces()) writeSync(fd, piece);
};
const heads = (i: number, page: Buffer) => ({
  url: `http://host${i % 50}.example/page/${i}`,
  request: `GET /page/${i} HTTP/1.1\r\nHost: host${i % 50}.example\r\nUser-Agent: urlsweep\r\nAccept: */*\r\n\r\n`,
  response: `HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${page.length}\r\nServer: bench\r\n\r\n`,
});

const ours: Writer = async (fd, i, page) => {
  const { url, request, response } = heads(i, page);
  const date = new Date().toISOString();
  const [requestId, responseId] = [newRecordId(), newRecordId()];
  append(fd, wholeRecord([['WARC-Type', 'request'], ['WARC-Record-ID', requestId], ['WARC-Date', date], ['WARC-Target-URI', url], ['WARC-Concurrent-To', responseId], ['Content-Type', 'application/http;msgtype=request']], Buffer.from(request)));
  const builder = new RecordBuilder(Buffer.from(response), true);
  for (let at = 0; at < page.length; at += PIECE) builder.data(page.subarray(at, at + PIECE));
  append(fd, builder.member([['WARC-Type', 'response'], ['WARC-Record-ID', responseId], ['WARC-Date', date], ['WARC-Target-URI', url], ['WARC-Concurrent-To', requestId], ['Content-Type', 'application/http;msgtype=response']]));
};

const DIGEST = { algo: 'sha-1', prefix: 'sha1:', base32: true } as const;
async function* piecesOf(page: Buffer): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < page.length; at += PIECE) yield page.subarray(at, at + PIECE);
}
const headerPairs = (head: string): Array<[string, string]> =>
  head.trim().split('\r\n').slice(1).map((l) => l.split(': ') as [string, string]);

const warcio: Writer = async (fd, i, page) => {
  const { url, request, response } = heads(i, page);
  const date = new Date().toISOString();
  const [requestId, responseId] = [newRecordId(), newRecordId()];
  const write = async (record: WARCRecord) => {
    for await (const chunk of new WARCSerializer(record, { gzip: true, digest: DIGEST })) writeSync(fd, chunk);
  };
  await write(
    WARCRecord.create({ url, date, type: 'request', warcVersion: 'WARC/1.1', statusline: request.split('\r\n')[0], httpHeaders: headerPairs(request), warcHeaders: { 'WARC-Record-ID': requestId, 'WARC-Concurrent-To': responseId } }),
  );
  await write(
    WARCRecord.create(
      { url, date, type: 'response', warcVersion: 'WARC/1.1', statusline: 'HTTP/1.1 200 OK', httpHeaders: headerPairs(response), warcHeaders: { 'WARC-Record-ID': responseId, 'WARC-Concurrent-To': requestId } },
      piecesOf(page),
    ),
  );
};

async function run(writer: Writer, set: (typeof SETS)[number], path: string): Promise<Run> {
  rmSync(path, { force: true });
  const fd = openSync(path, 'w');
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let maxRecordMs = 0;
  for (let i = 0; i < set.count; i++) {
    const t = process.hrtime.bigint();
    await writer(fd, i, set.bodies[i % set.bodies.length]!);
    maxRecordMs = Math.max(maxRecordMs, Number(process.hrtime.bigint() - t) / 1e6);
  }
  closeSync(fd);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const outMb = statSync(path).size / 1e6;
  rmSync(path);
  return { recordsPerSecond: set.count / seconds, cpuSeconds: (used.user + used.system) / 1e6, maxRecordMs, outMb };
}

for (const set of SETS) {
  const runs: Record<'urlsweep' | 'warcio.js', Run[]> = { urlsweep: [], 'warcio.js': [] };
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? (['urlsweep', 'warcio.js'] as const) : (['warcio.js', 'urlsweep'] as const);
    for (const name of order) runs[name].push(await run(name === 'urlsweep' ? ours : warcio, set, join(work, `${name}.warc.gz`)));
  }
  console.log(`\n${set.name}: ${set.count.toLocaleString('en-US')} request and response records (medians of ${values.rounds} alternated rounds)`);
  for (const [name, rs] of Object.entries(runs)) {
    const m = (k: keyof Run) => median(rs.map((r) => r[k]));
    console.log(
      `  ${name.padEnd(9)} ${Math.round(m('recordsPerSecond')).toLocaleString('en-US').padStart(7)} pages/s  CPU ${m('cpuSeconds').toFixed(2)} s  ` +
        `longest record ${m('maxRecordMs').toFixed(1)} ms  output ${m('outMb').toFixed(1)} MB`,
    );
  }
  const ratio = median(runs.urlsweep.map((r, i) => r.recordsPerSecond / runs['warcio.js'][i]!.recordsPerSecond));
  console.log(`  urlsweep's writer: ${ratio.toFixed(1)}x warcio.js's rate`);
}
