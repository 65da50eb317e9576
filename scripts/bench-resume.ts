// Benchmark: resuming near the end of a 10M-line input, and what checkpoint tracking costs.
// 1. Writes a 10M-line list and a database holding rows for all but the last 1,000 lines, with its
//    checkpoint there (as a sweep killed near the end leaves it), then runs the real binary on it and
//    times the first new request at the origin from the process's start. Several rounds, median.
// 2. Times the checkpoint tracker (what the coordinator does per line for it) over 10M lines,
//    against the per-URL time budget of the keep-alive benchmark.
// Usage: node dist/scripts/bench-resume.js [--lines 10000000] [--rounds 3]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CheckpointTracker } from '../src/checkpoint.js';
import { identify } from '../src/input/inputIdentity.js';
import { defaultOptions, recordedOptions } from '../src/sweepOptions.js';
import { ResultStore } from '../src/store/resultStore.js';
import type { ResultRow } from '../src/messages.js';
import { median } from './benchStats.js';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' } } });
const LINES = Number(values.lines);
const LEFT = 1000;
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });

/** Lines of equal length, so the byte offset of any line is known without reading the file. */
const lineText = (port: number, i: number): string => `http://127.0.0.1:${port}/${String(i).padStart(9, '0')}`;

async function writeList(path: string, port: number): Promise<number> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 1; i <= LINES; i++) {
    chunk += lineText(port, i) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return lineText(port, 1).length + 1;
}

/** The database a sweep killed near the end leaves behind: rows up to the checkpoint, state running. */
function writeDatabase(db: string, list: string, lineBytes: number, port: number): void {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const store = new ResultStore(db);
  const options = { ...defaultOptions(), inputs: [list], db };
  const upTo = LINES - LEFT;
  store.beginRun(identify([list]), recordedOptions(options), 'bench', { line: 0, input: 0, offset: 0 });
  const batch: ResultRow[] = [];
  for (let line = 1; line <= upTo; line++) {
    const url = lineText(port, line);
    batch.push({
      line, url, host: '127.0.0.1', outcome: 'response', status: 200, error_code: null, error_message: null, final_url: url,
      redirects: 0, method: 'HEAD', attempts: 1, remote_ip: '127.0.0.1', content_type: 'text/plain', content_length: 3,
      elapsed_ms: 1.5, checked_at: Date.now(), throttled: 0, hops: null,
    });
    if (batch.length === 8192 || line === upTo) {
      store.write(batch, { line, input: 0, offset: line * lineBytes });
      batch.length = 0;
    }
  }
  store.endRun('interrupted');
  store.close();
}

async function timeToFirstRequest(list: string, db: string, origin: { firstAt: number | null }): Promise<number> {
  origin.firstAt = null;
  const started = performance.timeOrigin + performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/src/cli.js'), 'run', list, '--db', db, '--progress', 'none'], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`urlsweep exited with ${code}`);
  return origin.firstAt! - started;
}

// 1. Resume near the end.
const origin: { firstAt: number | null } = { firstAt: null };
const server = createServer((_req, res) => {
  origin.firstAt ??= performance.timeOrigin + performance.now();
  res.end('ok');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const list = join(work, `resume-${LINES}.txt`);
const db = join(work, 'resume.db');
const lineBytes = await writeList(list, port);
console.log(`resume near the end: ${LINES.toLocaleString('en-US')} lines (${Math.round(statSync(list).size / 1e6)} MB), ${LEFT} left`);
const firsts: number[] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  writeDatabase(db, list, lineBytes, port);
  firsts.push(await timeToFirstRequest(list, db, origin));
  console.log(`  round ${round}: first new request ${Math.round(firsts.at(-1)!)} ms after start`);
}
console.log(`median: ${Math.round(median(firsts))} ms from start to the first new request`);
server.close();

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
