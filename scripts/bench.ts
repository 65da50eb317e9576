// The benchmark suite (`npm run bench`): every scenario of issue 5 against servers on loopback, urlsweep
// (two threads and one) and the baselines a user would write instead (a promise pool over undici's
// `request`, and over `fetch`), alternately, round after round, then one table of medians and ratios.
// Each measured program runs in its own process; the servers run in theirs.
// Then the frontier's scenarios (scripts/lib/frontierScenarios.ts): host-sorted against shuffled, dead hosts,
// rate-limited hosts, each against its ideal.
// Usage: node dist/scripts/bench.js [--rounds 1] [--size 1]
//          [--only keepalive,keepalive-spread,manyhosts,latency,tls,scale,sorted,bighost,deadhosts,ratelimited]
//          (deadhosts-n: --host-errors 3, 8, 16; scale-mixed: the scale run with its hosts interleaved, not sorted)
//                                   [--tools urlsweep,undici,urlsweep-1t,fetch]
//   --size scales every list (0.1 for a quick look); --rounds > 1 gives medians of that many rounds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SweepOptions } from '../src/options/sweepOptions.js';
import { demoHosts } from '../src/demo/demoList.js';
import type { SweepMeasure } from './processes/sweep.js';
import type { BaselineMeasure, BaselineOptions } from './processes/baselinePool.js';
import { measureResolver, measureWriter, type StageFigures } from './lib/stages.js';
import { median } from './lib/stats.js';
import { measure, serve } from './lib/children.js';
import { frontierScenarios, printFrontierTable, type FrontierRow } from './lib/frontierScenarios.js';
import { removeDatabase, writeLines } from './lib/files.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '1' },
    only: { type: 'string', default: 'keepalive,keepalive-spread,manyhosts,latency,tls,scale,sorted,bighost,deadhosts,ratelimited' },
    size: { type: 'string', default: '1' },
    tools: { type: 'string', default: 'urlsweep,undici,urlsweep-1t,fetch' },
  },
});
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.size);
const ONLY = new Set(values.only.split(','));
const TOOLS = new Set(values.tools.split(','));
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });
const scaled = (n: number): number => Math.max(1000, Math.round(n * SIZE));

interface Server {
  stop(): void;
}

/** A scenario's list, its first quarter (urlsweep on one thread) and its first tenth (fetch). */
async function lists(name: string, count: number, line: (i: number) => string): Promise<Pick<Scenario, 'list' | 'quarter' | 'tenth'>> {
  return {
    list: await writeLines(join(work, `${name}.txt`), count, line),
    quarter: await writeLines(join(work, `${name}-quarter.txt`), Math.ceil(count / 4), line),
    tenth: await writeLines(join(work, `${name}-tenth.txt`), Math.ceil(count / 10), line),
  };
}

/** Writes a list of lines (small lists, made whole in memory). */
async function writeList(path: string, lines: string[]): Promise<string> {
  return writeLines(path, lines.length, (i) => lines[i]!);
}

interface Scenario {
  name: string;
  what: string;
  urls: number;
  list: string;
  sweep: Partial<SweepOptions>;
  baseline: Omit<BaselineOptions, 'client' | 'list'>;
  /** The best possible seconds, where the scenario has one (latency-bound). */
  idealSeconds?: number;
  /**
   * The first quarter and tenth of the list, for the runs that are not the headline comparison (urlsweep
   * on one thread; fetch, at a seventh of undici's speed at best): the suite must fit in 15 minutes.
   */
  quarter: string;
  tenth: string;
  /** Only urlsweep with two threads, once (the scale run is about memory and steadiness, not ratios). */
  sweepOnly?: boolean;
}

type Tool = 'urlsweep' | 'urlsweep-1t' | 'undici' | 'fetch';
interface Row {
  scenario: Scenario;
  rates: Record<Tool, number[]>;
  sweeps: SweepMeasure[];
}

const servers: Server[] = [];
try {
  const sim = await serve('sim.js', []);
  servers.push(sim);
  const simInfo = JSON.parse(sim.line) as { resolver: string; httpPort: number; httpsPort: number; caFile: string; caPem: string };
  const origin = await serve('origin.js', ['0']);
  servers.push(origin);
  const jitter = await serve('origin.js', ['0', '3000']);
  servers.push(jitter);
  const delayed = await serve('origin.js', ['0', '100', 'fixed']);
  servers.push(delayed);
  const originPort = Number(origin.line);
  const jitterPort = Number(jitter.line);
  const dns = { resolvers: [simInfo.resolver] };
  const plain = { resolver: simInfo.resolver, caFile: null, connections: null };
  const scenarios: Scenario[] = [];

  if (ONLY.has('keepalive') || ONLY.has('keepalive-spread')) {
    const urls = scaled(1_000_000);
    // One list for both: the same origin, with and without --spread-hosts.
    const keepalive = await lists('keepalive', urls, (i) => `http://127.0.0.1:${originPort}/item/${i}`);
    const common = {
      urls,
      ...keepalive,
      baseline: { concurrency: 128, connections: 128, resolver: null, caFile: null, timeoutMs: 30_000, connectTimeoutMs: 10_000 },
    };
    if (ONLY.has('keepalive')) {
      scenarios.push({
        ...common,
        name: 'keepalive',
        what: `${urls.toLocaleString('en-US')} URLs, one origin, keep-alive, -c 128`,
        sweep: { concurrency: 128, perHost: 128 },
      });
    }
    if (ONLY.has('keepalive-spread')) {
      scenarios.push({
        ...common,
        name: 'keepalive-spread',
        what: `${urls.toLocaleString('en-US')} URLs, one origin, --spread-hosts (both threads on the one host), -c 128`,
        sweep: { concurrency: 128, perHost: 128, spreadHosts: true },
        sweepOnly: true,
      });
    }
  }
  if (ONLY.has('manyhosts')) {
    const urls = scaled(100_000);
    const hosts = demoHosts(urls, 7);
    scenarios.push({
      name: 'manyhosts',
      what: `${urls.toLocaleString('en-US')} hosts, one URL each, demo mix (slow, dead, unresolvable…), -c 512, 5 s timeout`,
      urls,
      ...(await lists('manyhosts', urls, (i) => `http://${hosts[i]!.name}:${simInfo.httpPort}/`)),
      sweep: { ...dns, concurrency: 512, timeoutMs: 5_000, connectTimeoutMs: 2_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, retries: 0 },
      baseline: { ...plain, concurrency: 512, timeoutMs: 5_000, connectTimeoutMs: 2_000 },
    });
  }
  if (ONLY.has('latency')) {
    const urls = scaled(100_000);
    const hosts = Math.max(1, Math.round(urls / 10));
    scenarios.push({
      name: 'latency',
      what: `${urls.toLocaleString('en-US')} URLs over ${hosts.toLocaleString('en-US')} hosts, each answer 0-3 s, -c 10000`,
      urls,
      ...(await lists('latency', urls, (i) => `http://jitter-${i % hosts}.lat.test:${jitterPort}/${i}`)),
      sweep: { ...dns, concurrency: 10_000, timeoutMs: 10_000, headersTimeoutMs: 10_000, retries: 0 },
      baseline: { ...plain, concurrency: 10_000, timeoutMs: 10_000, connectTimeoutMs: 10_000 },
      idealSeconds: (urls * 1.5) / 10_000,
    });
  }
  if (ONLY.has('tls')) {
    const urls = scaled(20_000);
    scenarios.push({
      name: 'tls',
      what: `${urls.toLocaleString('en-US')} HTTPS hosts, a handshake each, -c 512`,
      urls,
      ...(await lists('tls', urls, (i) => `https://fine-${i}.tls.test:${simInfo.httpsPort}/`)),
      sweep: { ...dns, concurrency: 512, caPem: simInfo.caPem, retries: 0 },
      baseline: { ...plain, caFile: simInfo.caFile, concurrency: 512, timeoutMs: 30_000, connectTimeoutMs: 10_000 },
    });
  }
  for (const order of ['sorted', 'mixed'] as const) {
    const name = order === 'sorted' ? 'scale' : 'scale-mixed';
    if (!ONLY.has(name)) continue;
    const urls = scaled(10_000_000);
    // Sorted by host, as real lists come: every URL after the first hosts' quotas passes through the
    // frontier. Mixed: the hosts interleaved, every one of them once in every 64 lines (line × 49 mod 64),
    // as they are in any window of a shuffled list.
    const host = (i: number): number => (order === 'sorted' ? Math.floor((i * 64) / urls) : (i * 49) % 64);
    scenarios.push({
      name,
      what: `${urls.toLocaleString('en-US')} URLs over 64 host names on one origin, ${order === 'sorted' ? 'sorted by host' : 'hosts interleaved'}, -c 512`,
      urls,
      list: await writeLines(join(work, `${name}.txt`), urls, (i) => `http://s${host(i)}.scale.test:${originPort}/${i}`),
      quarter: '',
      tenth: '',
      sweep: { ...dns, concurrency: 512, perHost: 16 },
      baseline: { ...plain, concurrency: 512, timeoutMs: 30_000, connectTimeoutMs: 10_000 },
      sweepOnly: true,
    });
  }

  const stages: StageFigures = { writer: await measureWriter(join(work, 'writer.db')), resolver: await measureResolver(simInfo.resolver, work) };
  console.log(`stage  SQLite writer in isolation: ${Math.round(stages.writer.rowsPerSecond).toLocaleString('en-US')} rows/s`);
  console.log(
    `stage  resolver: ${Math.round(stages.resolver.namesPerSecond).toLocaleString('en-US')} distinct names/s; with libuv's thread pool ` +
      `blocked ${Math.round(stages.resolver.namesPerSecondPoolBlocked).toLocaleString('en-US')}/s ` +
      `(a dns.lookup meanwhile waited ${Math.round(stages.resolver.lookupWaitMs)} ms: all of it, until the pool was freed); ` +
      `names unanswered: ${stages.resolver.unanswered} of ${stages.resolver.names}`,
  );

  const rows: Row[] = [];
  for (const scenario of scenarios) {
    console.log(`\n${scenario.name}: ${scenario.what}`);
    const row: Row = { scenario, rates: { urlsweep: [], 'urlsweep-1t': [], undici: [], fetch: [] }, sweeps: [] };
    rows.push(row);
    const db = join(work, `${scenario.name}.db`);
    const tools = (scenario.sweepOnly ? ['urlsweep'] : ['urlsweep', 'undici', 'urlsweep-1t', 'fetch']).filter((t) => TOOLS.has(t)) as Tool[];
    for (let round = 1; round <= (scenario.sweepOnly ? 1 : ROUNDS); round++) {
      for (const tool of tools) {
        let rate: number;
        if (tool.startsWith('urlsweep')) {
          removeDatabase(db);
          const whole = tool === 'urlsweep';
          const m = await measure<SweepMeasure>('sweep.js', {
            ...scenario.sweep, inputs: [whole ? scenario.list : scenario.quarter], db, fresh: true, threads: whole ? 2 : 1,
          });
          if (tool === 'urlsweep') row.sweeps.push(m);
          rate = m.rate;
          console.log(
            `  round ${round} ${tool.padEnd(12)} ${fmt(rate)} URLs/s  ${(m.elapsedMs / 1000).toFixed(1)} s  peak ${m.peakRssMb.toFixed(0)} MB  ` +
              `coordinator event-loop p99 ${m.eventLoopP99Ms.toFixed(0)} ms  ${JSON.stringify(m.byOutcome)}${whole ? '' : '  (first quarter)'}`,
          );
          if (scenario.sweepOnly) console.log(`  ${rssNote(m)}; RSS by rows: ${JSON.stringify(m.rss)}`);
        } else {
          const whole = tool === 'undici';
          const m = await measure<BaselineMeasure>('baselinePool.js', { ...scenario.baseline, client: tool, list: whole ? scenario.list : scenario.tenth });
          rate = m.rate;
          console.log(
            `  round ${round} ${tool.padEnd(12)} ${fmt(rate)} URLs/s  ${(m.elapsedMs / 1000).toFixed(1)} s  ok ${m.ok}  failed ${m.failed}${whole ? '' : '  (first tenth)'}`,
          );
        }
        row.rates[tool].push(rate);
      }
    }
  }
  const frontier: FrontierRow[] = await frontierScenarios(ONLY, {
    work,
    size: SIZE,
    rounds: ROUNDS,
    resolver: simInfo.resolver,
    simHttpPort: simInfo.httpPort,
    delayPort: Number(delayed.line),
    answers: async () => JSON.parse(await sim.ask('answers')) as Record<string, number>,
    writeLines: writeList,
    sweep: (options) => measure<SweepMeasure>('sweep.js', options),
  });
  printTable(rows);
  printFrontierTable(frontier, ROUNDS);
  writeFileSync(join(work, 'results.json'), JSON.stringify({ at: new Date().toISOString(), rounds: ROUNDS, size: SIZE, stages, rows, frontier }, null, 1));
} finally {
  for (const s of servers) s.stop();
}

function fmt(n: number | null | undefined): string {
  return n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US');
}

/** Memory against rows after the first minute: flat when bounded by the work in flight, a slope when something grows per row. */
function rssNote(m: SweepMeasure): string {
  const s = m.rssSlope;
  if (!s) return 'RSS slope: too short to tell';
  const flag = s.grows ? ' GROWS: memory climbs with the rows beyond noise' : ' (flat)';
  return `RSS ${s.mbPerMillion >= 0 ? '+' : ''}${s.mbPerMillion.toFixed(1)} MB per million rows over ${fmt(s.rows)} rows, noise ${s.noiseMb.toFixed(0)} MB${flag}; sweep peak ${m.sweepPeakRssMb.toFixed(0)} MB, indexes ${m.indexMs === null ? '-' : `${(m.indexMs / 1000).toFixed(0)} s`}`;
}

function printTable(rows: Row[]): void {
  const m = (xs: number[]): number | null => (xs.length ? median(xs) : null);
  const ratio = (a: number | null, b: number | null): string => (a && b ? (a / b).toFixed(2) : '-');
  console.log(
    `\nmedians of ${ROUNDS} round(s), URLs/s (urlsweep records every result; the baselines record nothing; ` +
      `"1 thread" ran the first quarter of each list, fetch the first tenth)`,
  );
  const head = ['scenario', 'urlsweep', '1 thread', 'undici', 'fetch', 'vs undici', 'vs fetch', '2t/1t', 'peak MB', 'loop p99', 'notes'];
  const table = rows.map((r) => {
    const sweep = m(r.rates.urlsweep);
    const last = r.sweeps.at(-1);
    const notes: string[] = [];
    if (r.scenario.idealSeconds) {
      const seconds = median(r.sweeps.map((s) => s.elapsedMs / 1000));
      notes.push(`${seconds.toFixed(1)} s, ideal ${r.scenario.idealSeconds.toFixed(1)} s: ${(seconds / r.scenario.idealSeconds).toFixed(2)}x`);
    }
    if (r.scenario.sweepOnly && last) {
      notes.push(`first tenth ${fmt(last.firstTenthRate)}/s, last tenth ${fmt(last.lastTenthRate)}/s (${ratio(last.lastTenthRate, last.firstTenthRate)})`);
      notes.push(rssNote(last));
    }
    return [
      r.scenario.name, fmt(sweep), fmt(m(r.rates['urlsweep-1t'])), fmt(m(r.rates.undici)), fmt(m(r.rates.fetch)),
      ratio(sweep, m(r.rates.undici)), ratio(sweep, m(r.rates.fetch)), ratio(sweep, m(r.rates['urlsweep-1t'])),
      last ? Math.max(...r.sweeps.map((s) => s.peakRssMb)).toFixed(0) : '-',
      last ? `${median(r.sweeps.map((s) => s.eventLoopP99Ms)).toFixed(0)} ms` : '-',
      notes.join('; '),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  for (const t of table) console.log(line(t));
}
