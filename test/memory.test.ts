// Memory bounded by the work in flight, not by the input: a per-row leak shows long before 100M lines.
// The real binary sweeps 300,000 URLs of one busy host under V8's --trace-gc, which reports every
// thread's heap after each full collection; what a thread keeps after one must not climb with the rows.
// (A busy host's queue in its worker, never empty for long, once kept every URL it had been given: its
// worker's heap after a full collection climbed from 12 to 43 MB over 300,000 URLs.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCannedOrigin, type CannedOrigin } from '../src/sim/index.js';
import { urlsweep } from './support/cli.js';
import { tempDir } from './support/simSweep.js';

const URLS = 300_000;
/** Full collections of a thread's first seconds (its heap finding its size) are not compared. */
const WARM_UP_COLLECTIONS = 2;
/** What a thread keeps after a full collection may vary by this much: the batch being written, the URLs in flight. */
const SPREAD_MB = 10;

const temp = tempDir();
let origin: CannedOrigin;
before(async () => {
  origin = await startCannedOrigin();
});
after(async () => {
  await origin.close();
  temp.remove();
});

/** Heap after each full collection (MB), by isolate (thread), in order, from --trace-gc's lines. */
function heapAfterFullCollections(trace: string): Map<string, number[]> {
  const byIsolate = new Map<string, number[]>();
  const line = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: Mark-Compact (?:\(reduce\) )?[\d.]+ \([\d.]+\) -> ([\d.]+) \(/gm;
  for (const m of trace.matchAll(line)) {
    const sizes = byIsolate.get(m[1]!) ?? [];
    sizes.push(Number(m[2]));
    byIsolate.set(m[1]!, sizes);
  }
  return byIsolate;
}

test('what each thread keeps after a full collection does not grow with the rows recorded', async () => {
  const list = join(temp.dir, 'busy.txt');
  let text = '';
  for (let i = 0; i < URLS; i++) text += `http://127.0.0.1:${origin.port}/${i}\n`;
  writeFileSync(list, text);
  const db = join(temp.dir, 'busy.db');
  const run = await urlsweep(['run', list, '--db', db, '-c', '256', '--per-host', '256', '--retries', '0', '--progress', 'none'], {
    cwd: temp.dir,
    nodeArgs: ['--trace-gc'],
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /response\s+300,000\s+100\.0%/);
  const heaps = [...heapAfterFullCollections(run.stdout).values()].map((sizes) => sizes.slice(WARM_UP_COLLECTIONS));
  // The coordinator and the worker with the host collect often enough to tell; an idle worker may not.
  const measured = heaps.filter((sizes) => sizes.length >= 3);
  assert.ok(measured.length >= 2, `too few full collections to tell: ${JSON.stringify(heaps)}`);
  for (const sizes of measured) {
    const spread = Math.max(...sizes) - Math.min(...sizes);
    assert.ok(spread <= SPREAD_MB, `a thread's heap after full collections ranged over ${spread.toFixed(1)} MB: ${sizes.join(' ')}`);
  }
});
