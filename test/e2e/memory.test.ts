// Memory bounded by the work in flight, not by the input: a per-row leak shows long before 100M lines.
// The real binary sweeps 1,000,000 URLs of one busy host under V8's --trace-gc, which reports every
// thread's heap after each full collection; what a thread keeps after one must neither climb with the
// rows nor swing with them. (A busy host's queue in its worker, never empty for long, once kept every URL
// it had been given until it ran dry: its worker's heap after full collections swung from 12 to 43 MB.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCannedOrigin, type CannedOrigin } from '../../src/sim/index.js';
import { urlsweep } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';

const URLS = 1_000_000;
/** The first quarter of a thread's full collections is its warm-up (the heap finding its size, the frontier its phase). */
const WARM_UP_SHARE = 0.25;
/** The busy worker collects this often at least, or the test cannot tell. */
const MIN_COLLECTIONS = 10;
/**
 * Growth over the run on a robust line through the heap sizes (Theil-Sen), the warm-up left out: a leak of
 * ~10 bytes a URL planted in the worker reads 7.7 MB, so this catches one of ~5 bytes or more.
 */
const GROWTH_MB = 4;
/**
 * Spread between the quartiles: the batch being written and the URLs in flight vary. (A collection that
 * meets a batch of rows being written reads ~6 MB high, one in ten or so: quartiles see past them, as a
 * line through medians does; a heap that swings with the rows moves the quartiles apart.)
 */
const SPREAD_MB = 4;
/**
 * Heap of a thread when a full collection starts, the median over the run: what it kept grows by half at
 * most before the next (src/sweep/heapGrowth.ts). Measured on this run: the coordinator 33-34 MB (at most
 * 39-48 MB, too close to V8's own growth to test on), 56 MB with V8's own growth.
 */
const BEFORE_COLLECTION_MB = 45;

const temp = tempDir();
let origin: CannedOrigin;
before(async () => {
  origin = await startCannedOrigin();
});
after(async () => {
  await origin.close();
  temp.remove();
});

/** Heap before and after each full collection (ms since start, MB), by isolate (thread), from --trace-gc's lines. */
function fullCollections(trace: string): Array<Array<[ms: number, after: number, before: number]>> {
  const byIsolate = new Map<string, Array<[number, number, number]>>();
  const line = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: Mark-Compact (?:\(reduce\) )?([\d.]+) \([\d.]+\) -> ([\d.]+) \(/gm;
  for (const m of trace.matchAll(line)) {
    const sizes = byIsolate.get(m[1]!) ?? [];
    sizes.push([Number(m[2]), Number(m[4]), Number(m[3])]);
    byIsolate.set(m[1]!, sizes);
  }
  return [...byIsolate.values()].map((sizes) => sizes.slice(Math.floor(sizes.length * WARM_UP_SHARE)));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Theil-Sen: the median of the slopes between every two points, times the time they span. A collection that meets a batch being written, or the sweep's end, moves it no more than any one point. */
function growth(points: Array<[number, number, ...number[]]>): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]![0] - points[i]![0];
      if (dt > 0) slopes.push((points[j]![1] - points[i]![1]) / dt);
    }
  }
  return slopes.length === 0 ? 0 : median(slopes) * (points.at(-1)![0] - points[0]![0]);
}

function spread(points: Array<[number, number, ...number[]]>): number {
  const ys = points.map(([, y]) => y).sort((a, b) => a - b);
  return ys[Math.floor((ys.length - 1) * 0.75)]! - ys[Math.floor((ys.length - 1) * 0.25)]!;
}

test('what each thread keeps after a full collection neither climbs nor swings with the rows recorded, and its garbage is collected early', async () => {
  const list = join(temp.dir, 'busy.txt');
  let text = '';
  for (let i = 0; i < URLS; i++) text += `http://127.0.0.1:${origin.port}/${i}\n`;
  writeFileSync(list, text);
  const db = join(temp.dir, 'busy.db');
  const run = await urlsweep(
    ['run', list, '--db', db, '--threads', '2', '-c', '256', '--per-host', '256', '--retries', '0', '--progress', 'none'],
    { cwd: temp.dir, nodeArgs: ['--trace-gc'] },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /response\s+1,000,000\s+100\.0%/);
  const heaps = fullCollections(run.stdout).sort((a, b) => b.length - a.length);
  // The worker with the host collects most; the coordinator too; an idle worker may hardly collect.
  assert.ok(heaps[0]!.length >= MIN_COLLECTIONS, `too few full collections to tell: ${JSON.stringify(heaps)}`);
  for (const points of heaps.filter((p) => p.length >= 3)) {
    const sizes = points.map(([, mb]) => mb).join(' ');
    assert.ok(growth(points) <= GROWTH_MB, `a thread's heap after full collections grew by ${growth(points).toFixed(1)} MB: ${sizes}`);
    assert.ok(spread(points) <= SPREAD_MB, `a thread's heap after full collections swings: its quartiles ${spread(points).toFixed(1)} MB apart: ${sizes}`);
    const befores = points.map(([, , mb]) => mb).sort((a, b) => a - b);
    const before = befores[Math.floor(befores.length / 2)]!;
    assert.ok(before <= BEFORE_COLLECTION_MB, `a thread's heap reached ${before} MB (median) before a full collection (it keeps ${sizes})`);
  }
});
