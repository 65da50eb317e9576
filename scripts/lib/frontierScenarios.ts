// The frontier's scenarios of the benchmark suite (issue 9): lists as real lists are — sorted by host, with
// dead hosts of hundreds of URLs, with rate-limited sites — each timed against its ideal. Every answer is
// 100 ms away (scripts/processes/origin.ts with a fixed delay); dead and rate-limited hosts are the simulated
// internet's (blackhole, refused, throttle: 5 requests/s, 429 + Retry-After: 1 past that).
import { join } from 'node:path';
import type { SweepOptions } from '../../src/options/sweepOptions.js';
import { shuffled } from '../../src/util/seededRandom.js';
import type { SweepMeasure } from '../processes/sweep.js';
import { median } from './stats.js';

export interface FrontierSetup {
  work: string;
  /** Scales every list (--size). */
  size: number;
  rounds: number;
  /** The simulated internet: its DNS server and HTTP port (dead and rate-limited hosts live there). */
  resolver: string;
  simHttpPort: number;
  /** An origin answering every request after exactly 100 ms. */
  delayPort: number;
  /** Responses the simulated internet has sent so far, by `${behaviour} ${status}`. */
  answers(): Promise<Record<string, number>>;
  writeLines(path: string, lines: string[]): Promise<string>;
  sweep(options: Partial<SweepOptions> & { inputs: string[]; db: string }): Promise<SweepMeasure>;
}

export interface FrontierRun {
  variant: string;
  seconds: number[];
  peakMb: number;
  /** URLs that did not end with a 2xx answer, and the 429 share of the requests (rate-limited scenario). */
  notOk: number;
  pushback?: { refused: number; requests: number };
}

export interface FrontierRow {
  name: string;
  what: string;
  idealSeconds: number;
  ideal: string;
  runs: FrontierRun[];
}

const LATENCY_S = 0.1;
const CONCURRENCY = 512;
const PER_HOST = 8;
/** What a default sweep waits for a host that drops packets: one connect timeout. */
const CONNECT_TIMEOUT_S = 10;
const THROTTLE_PER_S = 5;

export async function frontierScenarios(only: Set<string>, s: FrontierSetup): Promise<FrontierRow[]> {
  const rows: FrontierRow[] = [];
  const scaled = (n: number): number => Math.max(1, Math.round(n * s.size));
  const base = { resolvers: [s.resolver], concurrency: CONCURRENCY, perHost: PER_HOST };

  /** Runs each variant `rounds` times, alternating, and keeps the figures. */
  const run = async (name: string, variants: Array<{ variant: string; list: string; options?: Partial<SweepOptions>; pushback?: boolean }>): Promise<FrontierRun[]> => {
    const runs: FrontierRun[] = variants.map((v) => ({ variant: v.variant, seconds: [], peakMb: 0, notOk: 0 }));
    for (let round = 1; round <= s.rounds; round++) {
      for (const [i, v] of variants.entries()) {
        const before = v.pushback ? await s.answers() : null;
        const m = await s.sweep({ ...base, ...v.options, inputs: [v.list], db: join(s.work, `${name}.db`), fresh: true });
        const r = runs[i]!;
        r.seconds.push(m.elapsedMs / 1000);
        r.peakMb = Math.max(r.peakMb, m.peakRssMb);
        r.notOk = m.urls - (m.byStatusClass['2xx'] ?? 0);
        if (before) {
          const after = await s.answers();
          const delta = (key: string): number => (after[key] ?? 0) - (before[key] ?? 0);
          r.pushback = { refused: delta('throttle 429'), requests: delta('throttle 429') + delta('throttle 200') };
        }
        const pushed = r.pushback ? `  429s ${r.pushback.refused} of ${r.pushback.requests} requests` : '';
        console.log(`  round ${round} ${v.variant.padEnd(12)} ${(m.elapsedMs / 1000).toFixed(1)} s  peak ${m.peakRssMb.toFixed(0)} MB  ${JSON.stringify(m.byOutcome)}${pushed}`);
      }
    }
    return runs;
  };

  if (only.has('sorted')) {
    const hosts = 60;
    const perHost = scaled(800);
    const urls: string[] = [];
    for (let h = 0; h < hosts; h++) for (let i = 0; i < perHost; i++) urls.push(`http://site-${h}.sorted.test:${s.delayPort}/p${i}`);
    const what = `${urls.length.toLocaleString('en-US')} URLs over ${hosts} hosts (${perHost} each), 100 ms answers, -c ${CONCURRENCY} --per-host ${PER_HOST}`;
    console.log(`\nsorted: ${what}`);
    const sorted = await s.writeLines(join(s.work, 'sorted.txt'), urls);
    const mixed = await s.writeLines(join(s.work, 'shuffled.txt'), shuffled(urls, 7));
    // Slot time over the concurrency, or the biggest host's URLs one per-host window at a time.
    const idealSeconds = Math.max((urls.length * LATENCY_S) / CONCURRENCY, (perHost * LATENCY_S) / PER_HOST);
    rows.push({
      name: 'sorted', what, idealSeconds, ideal: 'max(slot-seconds / concurrency, biggest host × latency / per-host)',
      runs: await run('sorted', [{ variant: 'shuffled', list: mixed }, { variant: 'host-sorted', list: sorted }]),
    });
  }
  if (only.has('bighost')) {
    // One host with as much work as all the others together can do in the same time: its --per-host pace
    // is the sweep's end unless it keeps its window full from the moment it is read.
    const bigUrls = scaled(1_000);
    // Small hosts of --per-host URLs: never more at their thread than their window, never "big".
    const small = Array.from({ length: scaled(8_000) * 8 }, (_, i) => `http://site-${Math.floor(i / 8)}.small.test:${s.delayPort}/p${i % 8}`);
    const big = Array.from({ length: bigUrls }, (_, i) => `http://big.giant.test:${s.delayPort}/p${i}`);
    const total = small.length + big.length;
    const what = `${total.toLocaleString('en-US')} URLs: one host of ${bigUrls.toLocaleString('en-US')} and ${(small.length / 8).toLocaleString('en-US')} of 8, grouped by host, 100 ms answers, -c ${CONCURRENCY} --per-host ${PER_HOST}`;
    console.log(`\nbighost: ${what}`);
    const first = await s.writeLines(join(s.work, 'bighost-first.txt'), [...big, ...small]);
    const last = await s.writeLines(join(s.work, 'bighost-last.txt'), [...small, ...big]);
    // The slots' work, or the big host's URLs one window at a time. (Placed last, it cannot start before
    // the reader reaches it: that variant's bound is later, by the time the small hosts take to read.)
    const idealSeconds = Math.max((total * LATENCY_S) / CONCURRENCY, (bigUrls * LATENCY_S) / PER_HOST);
    rows.push({
      name: 'bighost', what, idealSeconds, ideal: 'max(slot-seconds / concurrency, the big host × latency / per-host)',
      runs: await run('bighost', [{ variant: 'big first', list: first }, { variant: 'big last', list: last }]),
    });
  }
  if (only.has('deadhosts') || only.has('deadhosts-n')) {
    const perHost = scaled(300);
    const urls: string[] = [];
    for (let h = 0; h < 10; h++) for (let i = 0; i < perHost; i++) urls.push(`http://blackhole-${h}.dead.test:${s.simHttpPort}/p${i}`);
    for (let h = 0; h < 10; h++) for (let i = 0; i < perHost; i++) urls.push(`http://refused-${h}.dead.test:${s.simHttpPort}/p${i}`);
    for (let h = 0; h < 10; h++) for (let i = 0; i < perHost; i++) urls.push(`http://ok-${h}.dead.test:${s.delayPort}/p${i}`);
    const what = `${urls.length.toLocaleString('en-US')} URLs over 30 hosts: 10 dropping packets, 10 refusing, 10 healthy (100 ms), default timeouts`;
    console.log(`\ndeadhosts: ${what}`);
    const list = await s.writeLines(join(s.work, 'deadhosts.txt'), urls);
    // A dead host cannot be known dead before one connect timeout; the healthy ones need their URLs' time.
    const idealSeconds = Math.max(CONNECT_TIMEOUT_S, (perHost * LATENCY_S) / PER_HOST);
    const variants = only.has('deadhosts-n')
      ? [3, 8, 16].map((n) => ({ variant: `--host-errors ${n}`, list, options: { hostErrors: n } }))
      : [{ variant: 'default', list }];
    rows.push({ name: 'deadhosts', what, idealSeconds, ideal: 'one connect timeout (10 s)', runs: await run('deadhosts', variants) });
  }
  if (only.has('ratelimited')) {
    const perHost = scaled(200);
    const urls: string[] = [];
    for (let h = 0; h < 6; h++) for (let i = 0; i < perHost; i++) urls.push(`http://throttle-${h}.rl.test:${s.simHttpPort}/p${i}?delay=100`);
    const what = `${urls.length.toLocaleString('en-US')} URLs over 6 hosts allowing ${THROTTLE_PER_S} requests/s (429 + Retry-After: 1 past that), 100 ms answers, default options`;
    console.log(`\nratelimited: ${what}`);
    const list = await s.writeLines(join(s.work, 'ratelimited.txt'), shuffled(urls, 11));
    // Each host's URLs at its allowed rate, after the burst its bucket holds.
    const idealSeconds = (perHost - THROTTLE_PER_S) / THROTTLE_PER_S;
    rows.push({ name: 'ratelimited', what, idealSeconds, ideal: 'a host\'s URLs at 5/s', runs: await run('ratelimited', [{ variant: 'default', list, pushback: true }]) });
  }
  return rows;
}

export function printFrontierTable(rows: FrontierRow[], rounds: number): void {
  if (rows.length === 0) return;
  console.log(`\nfrontier scenarios, medians of ${rounds} round(s)`);
  const head = ['scenario', 'variant', 'seconds', 'ideal', 'vs ideal', 'peak MB', 'not 200', 'notes'];
  const table: string[][] = [];
  for (const row of rows) {
    const first = median(row.runs[0]!.seconds);
    for (const r of row.runs) {
      const seconds = median(r.seconds);
      const notes: string[] = [];
      if (r !== row.runs[0] && row.name === 'sorted') notes.push(`${(seconds / first).toFixed(2)}× shuffled`);
      if (r.pushback) notes.push(`429s: ${r.pushback.refused} of ${r.pushback.requests} requests (${((100 * r.pushback.refused) / Math.max(1, r.pushback.requests)).toFixed(1)}%)`);
      table.push([row.name, r.variant, seconds.toFixed(1), row.idealSeconds.toFixed(1), `${(seconds / row.idealSeconds).toFixed(2)}×`, r.peakMb.toFixed(0), String(r.notOk), notes.join('; ')]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const t of table) console.log(line(t));
}
