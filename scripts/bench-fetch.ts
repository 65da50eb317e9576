// Fetch mode (issue 12): GET with --store-bodies against the same GET without storing, alternately, round
// after round, on the keep-alive scenario with 10 KB pages and on a many-hosts list (a connection per URL);
// then the ceilings: the WARC writer alone on one thread (no network), and the disk's own sequential write.
// Usage: node dist/scripts/bench-fetch.js [--rounds 3] [--urls 300000] [--hosts 50000] [--body 10240]
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SweepOptions } from '../src/options/sweepOptions.js';
import type { SweepMeasure } from './processes/sweep.js';
import { measure, serve, type ServerProcess } from './lib/children.js';
import { removeDatabase, writeLines } from './lib/files.js';
import { median } from './lib/stats.js';
import { warcFolderOf, warcTarget } from '../src/store/warcFolder.js';
import { WarcWriter } from '../workers/warc/warcWriter.js';
import { RecordBuilder } from '../workers/warc/record.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    urls: { type: 'string', default: '300000' },
    hosts: { type: 'string', default: '50000' },
    body: { type: 'string', default: '10240' },
  },
});
const ROUNDS = Number(values.rounds);
const BODY = Number(values.body);
const work = join(fileURLToPath(new URL('../..', import.meta.url)), '.bench', 'fetch');
mkdirSync(work, { recursive: true });

interface Figures {
  rate: number;
  peakRssMb: number;
  /** WARC bytes written (0 without storing), and per second of sweeping. */
  warcMb: number;
  warcMbps: number;
  wireMbps: number;
}

function folderBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

async function sweepOnce(list: string, urls: number, store: boolean, sweep: Partial<SweepOptions>): Promise<Figures> {
  const db = join(work, store ? 'store.db' : 'plain.db');
  removeDatabase(db);
  rmSync(warcFolderOf(db).dir, { recursive: true, force: true });
  const m = await measure<SweepMeasure>('sweep.js', { inputs: [list], db, method: 'GET', storeBodies: store, ...sweep });
  if (m.byOutcome.response !== urls) throw new Error(`${urls - (m.byOutcome.response ?? 0)} URLs without a response: ${JSON.stringify(m.byOutcome)}`);
  // The sweep's own time: building the indexes after the last request is not the fetching's.
  const seconds = (m.elapsedMs - (m.indexMs ?? 0)) / 1000;
  const warc = folderBytes(warcFolderOf(db).dir) / 1e6;
  return { rate: urls / seconds, peakRssMb: m.sweepPeakRssMb, warcMb: warc, warcMbps: warc / seconds, wireMbps: (urls * BODY) / 1e6 / seconds };
}

function show(name: string, plain: Figures[], stored: Figures[]): void {
  const med = (xs: Figures[], k: keyof Figures) => median(xs.map((x) => x[k]));
  const line = (label: string, xs: Figures[]) =>
    `  ${label.padEnd(16)} ${Math.round(med(xs, 'rate')).toLocaleString('en-US').padStart(7)} URLs/s  body ${med(xs, 'wireMbps').toFixed(1).padStart(6)} MB/s  ` +
    `WARC ${med(xs, 'warcMb').toFixed(0).padStart(5)} MB at ${med(xs, 'warcMbps').toFixed(1).padStart(5)} MB/s  peak ${Math.round(med(xs, 'peakRssMb'))} MB  ` +
    `(rates ${xs.map((x) => Math.round(x.rate)).join(', ')})`;
  console.log(`\n${name} (medians of ${plain.length} alternated rounds)`);
  console.log(line('GET', plain));
  console.log(line('--store-bodies', stored));
  const ratios = stored.map((s, i) => s.rate / plain[i]!.rate);
  console.log(`  storing: ${(median(ratios) * 100).toFixed(0)}% of the rate without (round by round ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
}

/** The writer alone, on this thread: records of BODY bytes built and appended as a worker does, no network. */
function writerAlone(records: number): { recordsPerSecond: number; mbps: number } {
  const target = warcTarget(join(work, 'alone.db'), 1024 ** 3, 'bench');
  rmSync(target.dir, { recursive: true, force: true });
  mkdirSync(target.dir, { recursive: true });
  const writer = new WarcWriter(target);
  const body = Buffer.from(('<p>sweep host archive record page link the of and response body list crawl title data ').repeat(Math.ceil(BODY / 80)).slice(0, BODY));
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${BODY}\r\n\r\n`);
  const start = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    const response = new RecordBuilder(head, true);
    response.data(body);
    const request = new RecordBuilder(Buffer.from(`GET /${i} HTTP/1.1\r\nhost: a.test\r\n\r\n`), false);
    writer.append([request.member([['WARC-Type', 'request']]), response.member([['WARC-Type', 'response']])]);
  }
  writer.close();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(target.dir, { recursive: true, force: true });
  return { recordsPerSecond: records / seconds, mbps: (records * BODY) / 1e6 / seconds };
}

/** The disk's own sequential write: 1 GB in 1 MiB writes, then fsync (the page cache's speed, and the device's). */
function diskWrite(): { cachedMbps: number; syncedMbps: number } {
  const path = join(work, 'disk.bin');
  const chunk = Buffer.alloc(1 << 20, 7);
  const fd = openSync(path, 'w');
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) writeSync(fd, chunk);
  const written = process.hrtime.bigint();
  fsyncSync(fd);
  const synced = process.hrtime.bigint();
  closeSync(fd);
  rmSync(path);
  const mb = 1000 * 1.048576;
  return { cachedMbps: mb / (Number(written - start) / 1e9), syncedMbps: mb / (Number(synced - start) / 1e9) };
}

const servers: ServerProcess[] = [];
try {
  const sim = await serve('sim.js', []);
  servers.push(sim);
  const resolver = (JSON.parse(sim.line) as { resolver: string }).resolver;
  const origin = await serve('origin.js', ['0', '0', '', String(BODY)]);
  servers.push(origin);
  const port = Number(origin.line);
  const urls = Number(values.urls);
  const hosts = Number(values.hosts);
  const keepalive = await writeLines(join(work, 'keepalive.txt'), urls, (i) => `http://127.0.0.1:${port}/item/${i}`);
  const many = await writeLines(join(work, 'manyhosts.txt'), hosts, (i) => `http://h${i}.scale.test:${port}/`);
  const scenarios = [
    { name: `keep-alive: ${urls.toLocaleString('en-US')} URLs of ${BODY} bytes, one origin, -c 128`, list: keepalive, urls, sweep: { concurrency: 128, perHost: 128 } },
    { name: `many hosts: ${hosts.toLocaleString('en-US')} hosts, one URL of ${BODY} bytes each, -c 512`, list: many, urls: hosts, sweep: { concurrency: 512, resolvers: [resolver] } },
  ];
  for (const s of scenarios) {
    const plain: Figures[] = [];
    const stored: Figures[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternated, and which goes first alternates too: a noisy neighbour hurts both alike.
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const store of order) (store ? stored : plain).push(await sweepOnce(s.list, s.urls, store, s.sweep));
      process.stderr.write('.');
    }
    show(s.name, plain, stored);
  }
  const alone = [0, 1, 2].map(() => writerAlone(100_000));
  console.log(
    `\nceiling: the WARC writer alone, one thread, ${BODY}-byte pages: ${Math.round(median(alone.map((a) => a.recordsPerSecond))).toLocaleString('en-US')} pages/s ` +
      `(${median(alone.map((a) => a.mbps)).toFixed(0)} MB/s of bodies)`,
  );
  const disk = [0, 1, 2].map(() => diskWrite());
  console.log(
    `ceiling: the disk, 1 GB sequential: ${median(disk.map((d) => d.cachedMbps)).toFixed(0)} MB/s into the page cache, ` +
      `${median(disk.map((d) => d.syncedMbps)).toFixed(0)} MB/s to the device (fsync)`,
  );
} finally {
  for (const s of servers) s.stop();
}
