// Benchmark: resuming near the end of a 10M-line input, and what checkpoint tracking costs.
// 1. Writes a 10M-line list and a database holding rows for all but the last 1,000 lines, then runs the
//    real binary on it and times the first request for one of those lines at the origin, from the
//    process's start, and the resuming process's peak memory. Two cases:
//    - near the end: the checkpoint there too, as a sweep killed near the end leaves it;
//    - lagging: the checkpoint halfway (a slow host's URLs held it while the reader went on), 100,000
//      URLs parked above it: the 5M lines between the checkpoint and the last row are read again and
//      skipped, a window at a time. Compared with what the code before did, a Set of every recorded line
//      above the checkpoint, timed and weighed here directly.
// 2. Times the checkpoint tracker (what the coordinator does per line for it) over 10M lines,
//    against the per-URL time budget of the keep-alive benchmark.
// Usage: node --expose-gc dist/scripts/bench-resume.js [--lines 10000000] [--rounds 3]
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CheckpointTracker } from '../src/store/checkpoint.js';
import { identify } from '../src/input/inputIdentity.js';
import { defaultOptions, recordedOptions } from '../src/options/sweepOptions.js';
import { ResultStore, type Parked } from '../src/store/resultStore.js';
import type { ResultRow } from '../src/messages.js';
import { median } from './lib/stats.js';
import { removeDatabase, writeLines } from './lib/files.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' } } });
const LINES = Number(values.lines);
const LEFT = 1000;
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });

/** Lines of equal length, so the byte offset of any line is known without reading the file. */
const lineText = (port: number, i: number): string => `http://127.0.0.1:${port}/${String(i).padStart(9, '0')}`;

async function writeList(path: string, port: number): Promise<number> {
  await writeLines(path, LINES, (i) => lineText(port, i + 1));
  return lineText(port, 1).length + 1;
}

const PARKED = 100_000;

/**
 * The database a sweep killed near the end leaves behind: rows for every line up to LINES - LEFT but
 * those parked (the PARKED lines after the checkpoint, when it lags), its checkpoint at `checkpoint`,
 * state running.
 */
function writeDatabase(db: string, list: string, lineBytes: number, port: number, checkpoint: number): void {
  removeDatabase(db);
  const store = new ResultStore(db);
  const options = { ...defaultOptions(), proxy: 'none', inputs: [list], db };
  const upTo = LINES - LEFT;
  const parked = checkpoint < upTo ? { from: checkpoint + 2, to: checkpoint + 1 + PARKED } : null;
  store.beginRun(identify([list]), recordedOptions(options), 'bench', { line: 0, input: 0, offset: 0 });
  const batch: ResultRow[] = [];
  const parking: Parked[] = [];
  for (let line = 1; line <= upTo; line++) {
    const url = lineText(port, line);
    // Parked URLs are another host's (the one that held the checkpoint back), on an origin of their own.
    if (parked && line >= parked.from && line <= parked.to) parking.push({ seq: line, line, host: '127.0.0.2', url: `http://127.0.0.2:${parkedPort}/p${line}`, source: null });
    else if (line !== checkpoint + 1) {
      // Line checkpoint + 1 was in flight at the kill: no row, not parked.
      batch.push({
        line, url, host: '127.0.0.1', outcome: 'response', status: 200, error_code: null, error_message: null, final_url: url,
        redirects: 0, method: 'HEAD', attempts: 1, remote_ip: '127.0.0.1', content_type: 'text/plain', content_length: 3,
        elapsed_ms: 1.5, checked_at: Date.now(), throttled: 0, hops: null,
      });
    }
    if (batch.length + parking.length >= 8192 || line === upTo) {
      const at = Math.min(line, checkpoint);
      store.write(batch, { line: at, input: 0, offset: at * lineBytes }, parking);
      batch.length = 0;
      parking.length = 0;
    }
  }
  store.endRun('interrupted');
  store.close();
}

/** Runs the binary to the end: when the first request for one of the last LEFT lines came, and its peak memory. */
async function resume(list: string, db: string, origin: { firstNewAt: number | null }): Promise<{ firstMs: number; peakMb: number }> {
  origin.firstNewAt = null;
  const started = performance.timeOrigin + performance.now();
  // GNU time reports the child's peak resident memory (all its threads) on stderr.
  const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, join(root, 'dist/src/cli.js'), 'run', list, '--db', db, '--progress', 'none', '--proxy', 'none'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`urlsweep exited with ${code}: ${err}`);
  return { firstMs: origin.firstNewAt! - started, peakMb: Number(err.trim().split('\n').at(-1)) / 1024 };
}

// 1. Resume near the end, with the checkpoint there or lagging halfway.
const origin: { firstNewAt: number | null } = { firstNewAt: null };
const server = createServer((req, res) => {
  if (Number(req.url!.slice(1)) > LINES - LEFT) origin.firstNewAt ??= performance.timeOrigin + performance.now();
  res.end('ok');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const parkedOrigin = createServer((_req, res) => res.end('ok'));
await new Promise<void>((resolve) => parkedOrigin.listen(0, '127.0.0.2', resolve));
const parkedPort = (parkedOrigin.address() as AddressInfo).port;
const list = join(work, `resume-${LINES}.txt`);
const db = join(work, 'resume.db');
const lineBytes = await writeList(list, port);
for (const [name, checkpoint] of [['near the end', LINES - LEFT], ['lagging halfway', LINES / 2]] as const) {
  const lag = LINES - LEFT - checkpoint;
  console.log(
    `resume, checkpoint ${name}: ${LINES.toLocaleString('en-US')} lines (${Math.round(statSync(list).size / 1e6)} MB), ${LEFT} left` +
      (lag > 0 ? `, ${lag.toLocaleString('en-US')} lines between the checkpoint and the last row, ${PARKED.toLocaleString('en-US')} of them parked` : ''),
  );
  const firsts: number[] = [];
  const peaks: number[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    writeDatabase(db, list, lineBytes, port, checkpoint);
    const r = await resume(list, db, origin);
    firsts.push(r.firstMs);
    peaks.push(r.peakMb);
    console.log(`  round ${round}: first request for a new line ${Math.round(r.firstMs)} ms after start, peak ${Math.round(r.peakMb)} MB`);
  }
  console.log(`  median: ${Math.round(median(firsts))} ms, peak ${Math.round(median(peaks))} MB`);
  if (lag > 0) {
    // What resuming did before: every recorded line above the checkpoint in a Set, before the first request.
    writeDatabase(db, list, lineBytes, port, checkpoint);
    const store = new ResultStore(db);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t = performance.now();
    const recorded = new Set(store.db.prepare('SELECT line FROM results WHERE line > ?').pluck().all(checkpoint) as number[]);
    const ms = performance.now() - t;
    console.log(`  before (a Set of the ${recorded.size.toLocaleString('en-US')} recorded lines above the checkpoint): ${Math.round(ms)} ms, ${Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6)} MB of heap`);
    store.close();
  }
}
server.close();
parkedOrigin.close();

// 2. Checkpoint tracking per line, against the time one URL takes at 18.6k URLs/s (54 µs).
const perLine: number[] = [];
for (let round = 0; round < 5; round++) {
  const tracker = new CheckpointTracker({ line: 0, input: 0, offset: 0 });
  const started = performance.now();
  // Lines complete out of order within windows of 256, as results come back from workers.
  for (let base = 1; base <= LINES; base += 256) {
    for (let i = 0; i < 256; i++) tracker.read(base + i, 0, (base + i) * 40);
    for (let i = 255; i >= 0; i--) tracker.complete(base + i);
  }
  perLine.push(((performance.now() - started) * 1e6) / LINES);
}
const ns = median(perLine);
console.log(`checkpoint tracking: ${ns.toFixed(0)} ns per line (median of 5); ${((ns / 54_000) * 100).toFixed(2)}% of the 54 µs per URL at 18.6k URLs/s`);
