// Stragglers across machines (issue 13): a list swept in N shares by M "machines" at once, each share a
// process of its own, started in index order as a Kubernetes Indexed Job or a Slurm array with %M starts
// them. For each N: every share's time, the slowest against the mean, and the time until the last share
// ends (the makespan) against its ideal; beside them, in the same round, the whole list on one machine as
// big as the M together (the same concurrency in one sweep), the baseline sharding has to beat.
// Two lists: `skewed` (thousands of small hosts and a few giant ones, equal machines) and `slow-machine`
// (small hosts only, one of the machines at half the concurrency of the others, as a loaded node is).
// Every answer is 100 ms away (scripts/processes/origin.ts): a host's pace is bounded by --per-host and a
// machine's by its concurrency, so the ideal is max(slot-seconds / the machines' concurrency, a giant's
// URLs × 100 ms / per-host). Machines are small (-c 32, one thread) so that M of them share two cores
// without the CPU becoming the bound.
// Usage: node dist/scripts/bench-stragglers.js [--lists skewed,slow-machine] [--machines 4] [--shares 4,8,16,32,64] [--rounds 3] [--size 1]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SweepOptions } from '../src/options/sweepOptions.js';
import { shardOfHost } from '../src/options/shard.js';
import { shuffled } from '../src/util/seededRandom.js';
import { measure, serve, type ServerProcess } from './lib/children.js';
import { removeDatabase, writeLines } from './lib/files.js';
import { median } from './lib/stats.js';
import type { SweepMeasure } from './processes/sweep.js';

const { values } = parseArgs({
  options: {
    lists: { type: 'string', default: 'skewed,slow-machine' },
    machines: { type: 'string', default: '4' },
    shares: { type: 'string', default: '4,8,16,32,64' },
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '1' },
  },
});
const MACHINES = Number(values.machines);
const SHARE_COUNTS = values.shares.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const SIZE = Number(values.size);
const LATENCY_S = 0.1;
const CONCURRENCY = 32;
const PER_HOST = 8;
const SMALL_HOSTS = Math.round(2_400 * SIZE);
const SMALL_URLS = 8;
const GIANT_URLS = Math.round(1_000 * SIZE);

interface Scenario {
  name: string;
  giants: number;
  /** Each machine's concurrency. */
  machines: number[];
}
const SCENARIOS: Scenario[] = [
  { name: 'skewed', giants: 6, machines: Array<number>(MACHINES).fill(CONCURRENCY) },
  { name: 'slow-machine', giants: 0, machines: [CONCURRENCY / 2, ...Array<number>(MACHINES - 1).fill(CONCURRENCY)] },
].filter((s) => values.lists.split(',').includes(s.name));

const work = join(fileURLToPath(new URL('../..', import.meta.url)), '.bench', 'stragglers');
mkdirSync(work, { recursive: true });

interface ShareRun {
  index: number;
  /** Which machine ran it (0: the first; the slow one in `slow-machine`). */
  machine: number;
  startS: number;
  seconds: number;
  /** Of `seconds`, the time outside the sweep itself: the process, its threads, opening the database. */
  outsideS: number;
  urls: number;
}

interface Figures {
  makespan: number;
  slowest: number;
  mean: number;
  /** When the last share holding a giant host started. */
  giantsLast: number | null;
}

/** The list grouped by host, as real lists are, the giants at places spread by a seeded shuffle of the hosts. */
function hostsInOrder(giants: number): Array<{ name: string; urls: number }> {
  const hosts = [
    ...Array.from({ length: SMALL_HOSTS }, (_, h) => ({ name: `small-${h}.skew.test`, urls: SMALL_URLS })),
    ...Array.from({ length: giants }, (_, h) => ({ name: `giant-${h}.skew.test`, urls: GIANT_URLS })),
  ];
  return shuffled(hosts, 13);
}

/** Every URL answered 200: a sweep that lost its origin would otherwise still count its rows. */
function checkAnswered(what: string, m: SweepMeasure, expected: number): void {
  if (m.urls !== expected || (m.byStatusClass['2xx'] ?? 0) !== expected) {
    throw new Error(`${what}: ${m.urls} rows, ${m.byStatusClass['2xx'] ?? 0} answered 2xx, of ${expected} URLs (${JSON.stringify(m.byOutcome)})`);
  }
}

/** N shares run on the machines in index order, each machine taking the next when it is free. */
async function sweepInShares(
  count: number,
  machines: number[],
  base: Partial<SweepOptions>,
  expected: (index: number) => number,
): Promise<{ makespan: number; shares: ShareRun[] }> {
  const t0 = performance.now();
  const shares: ShareRun[] = [];
  let next = 0;
  // A share that fails stops the others (their processes killed), and that failure is what is thrown.
  const stop = new AbortController();
  let firstFailure: unknown = null;
  const machine = async (concurrency: number, machineIndex: number) => {
    while (next < count && !stop.signal.aborted) {
      const index = next++;
      const db = join(work, `share-${index}.db`);
      const start = performance.now();
      const m = await measure<SweepMeasure>('sweep.js', { ...base, concurrency, db, fresh: true, shard: { index, count } }, stop.signal);
      const seconds = (performance.now() - start) / 1000;
      checkAnswered(`share ${index}/${count}`, m, expected(index));
      shares.push({ index, machine: machineIndex, startS: (start - t0) / 1000, seconds, outsideS: seconds - m.elapsedMs / 1000, urls: m.urls });
      removeDatabase(db);
    }
  };
  await Promise.all(
    machines.slice(0, count).map((concurrency, i) =>
      machine(concurrency, i).catch((err: unknown) => {
        firstFailure ??= err;
        stop.abort();
      }),
    ),
  );
  if (firstFailure !== null) throw firstFailure;
  return { makespan: (performance.now() - t0) / 1000, shares: shares.sort((a, b) => a.index - b.index) };
}

async function runScenario(s: Scenario, resolver: string, port: number): Promise<void> {
  const hosts = hostsInOrder(s.giants);
  const giants = hosts.filter((h) => h.urls === GIANT_URLS && h.name.startsWith('giant')).map((h) => h.name);
  const urls: string[] = hosts.flatMap((h) => Array.from({ length: h.urls }, (_, i) => `http://${h.name}:${port}/p${i}`));
  const list = await writeLines(join(work, `${s.name}.txt`), urls.length, (i) => urls[i]!);
  const slots = s.machines.reduce((a, b) => a + b, 0);
  const slotSeconds = urls.length * LATENCY_S;
  const hostFloor = giants.length > 0 ? (GIANT_URLS * LATENCY_S) / PER_HOST : 0;
  const ideal = Math.max(slotSeconds / slots, hostFloor);
  console.log(
    `\n${s.name}: ${urls.length.toLocaleString('en-US')} URLs, ${SMALL_HOSTS.toLocaleString('en-US')} hosts of ${SMALL_URLS}` +
      (giants.length > 0 ? ` and ${giants.length} of ${GIANT_URLS.toLocaleString('en-US')} (${((100 * giants.length * GIANT_URLS) / urls.length).toFixed(0)}% of the list)` : '') +
      `, grouped by host, 100 ms answers; ${s.machines.length} machines at -c ${s.machines.join(', ')}, --per-host ${PER_HOST} --threads 1\n` +
      `ideal: max(${slotSeconds.toFixed(0)} slot-s / ${slots} = ${(slotSeconds / slots).toFixed(1)} s` +
      (giants.length > 0 ? `, a giant's ${GIANT_URLS} URLs × 100 ms / ${PER_HOST} = ${hostFloor.toFixed(1)} s` : '') +
      `) = ${ideal.toFixed(1)} s`,
  );
  const base = { inputs: [list], resolvers: [resolver], perHost: PER_HOST, threads: 1 };
  // Each share's URLs, as the sweep routes them (every line of this list has a host).
  const shareSizes = (count: number): number[] => {
    const sizes = Array<number>(count).fill(0);
    for (const url of urls) sizes[shardOfHost(new URL(url).hostname, count)]!++;
    return sizes;
  };

  const figures = new Map<string, Figures[]>();
  const keep = (key: string, f: Figures) => figures.set(key, [...(figures.get(key) ?? []), f]);
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternated within a round, so that the machine's mood of the moment falls on every variant alike.
    const started = performance.now();
    const one = await measure<SweepMeasure>('sweep.js', { ...base, concurrency: slots, db: join(work, 'one.db'), fresh: true });
    const oneSeconds = (performance.now() - started) / 1000;
    removeDatabase(join(work, 'one.db'));
    checkAnswered('one machine', one, urls.length);
    keep('one', { makespan: oneSeconds, slowest: oneSeconds, mean: oneSeconds, giantsLast: null });
    console.log(
      `  round ${round} one machine at -c ${slots}: ${oneSeconds.toFixed(1)} s (${one.urls} URLs; first tenth ${one.firstTenthRate?.toFixed(0)} URLs/s, last ${one.lastTenthRate?.toFixed(0)})`,
    );
    for (const count of SHARE_COUNTS) {
      const sizes = shareSizes(count);
      const { makespan, shares } = await sweepInShares(count, s.machines, base, (index) => sizes[index]!);
      const mean = shares.reduce((sum, x) => sum + x.seconds, 0) / shares.length;
      const slowest = shares.reduce((a, b) => (b.seconds > a.seconds ? b : a));
      const holdsGiant = new Set(giants.map((name) => shardOfHost(name, count)));
      const giantStarts = shares.filter((x) => holdsGiant.has(x.index)).map((x) => x.startS);
      const giantsLast = giantStarts.length > 0 ? Math.max(...giantStarts) : null;
      keep(String(count), { makespan, slowest: slowest.seconds, mean, giantsLast });
      const giantsIn = giants.filter((name) => shardOfHost(name, count) === slowest.index).length;
      const last = shares.reduce((a, b) => (b.startS + b.seconds > a.startS + a.seconds ? b : a));
      const outside = shares.reduce((sum, x) => sum + x.outsideS, 0) / shares.length;
      console.log(
        `  round ${round} N=${String(count).padEnd(3)} makespan ${makespan.toFixed(1)} s  shares: mean ${mean.toFixed(1)} s (${outside.toFixed(2)} s of it outside the sweep), slowest ${slowest.seconds.toFixed(1)} s ` +
          `(share ${slowest.index}: ${slowest.urls} URLs${giants.length > 0 ? `, ${giantsIn} giant hosts` : ''}), ${(slowest.seconds / mean).toFixed(2)}× the mean; ` +
          `the last to end: share ${last.index} on machine ${last.machine}` +
          (giantsLast === null ? '' : `; last share with a giant started at ${giantsLast.toFixed(1)} s`),
      );
    }
  }

  console.log(`\n${s.name}: medians of ${ROUNDS} round(s), ${s.machines.length} machines, ideal ${ideal.toFixed(1)} s`);
  const head = ['shares', 'slowest s', 'mean s', 'slowest/mean', 'makespan s', 'vs ideal', 'vs one machine', ...(giants.length > 0 ? ['last giant share starts s'] : [])];
  const oneMedian = median(figures.get('one')!.map((f) => f.makespan));
  const table = ['one', ...SHARE_COUNTS.map(String)].map((key) => {
    const f = figures.get(key)!;
    const m = (pick: (x: Figures) => number) => median(f.map(pick));
    const last = f[0]!.giantsLast === null ? '–' : m((x) => x.giantsLast!).toFixed(1);
    return [
      key === 'one' ? `one at -c ${slots}` : key,
      key === 'one' ? '–' : m((x) => x.slowest).toFixed(1),
      key === 'one' ? '–' : m((x) => x.mean).toFixed(1),
      key === 'one' ? '–' : `${m((x) => x.slowest / x.mean).toFixed(2)}×`,
      m((x) => x.makespan).toFixed(1),
      `${(m((x) => x.makespan) / ideal).toFixed(2)}×`,
      `${(m((x) => x.makespan) / oneMedian).toFixed(2)}×`,
      ...(giants.length > 0 ? [last] : []),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  for (const row of [head, ...table]) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
}

const servers: ServerProcess[] = [];
try {
  const sim = await serve('sim.js', []);
  servers.push(sim);
  const delayed = await serve('origin.js', ['0', '100', 'fixed']);
  servers.push(delayed);
  const { resolver } = JSON.parse(sim.line) as { resolver: string };
  for (const s of SCENARIOS) await runScenario(s, resolver, Number(delayed.line));
} finally {
  for (const s of servers) s.stop();
  rmSync(work, { recursive: true, force: true });
}
