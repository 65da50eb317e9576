// Benchmark: the hostile web against the total --timeout. Servers that trickle bodies or headers, never
// answer, stall the TLS handshake, send interim answers or broken status lines, endless bodies, compression
// bombs, broken chunking, HTTP/0.9, redirect chains and loops, not-TLS answers to TLS (src/sim/hostileOrigin.ts),
// and the simulated internet's hanging, stalling, resetting, malformed, unresolvable and blackholed hosts.
// Every hostile URL is reached through a name of its own (its host's first request waits for DNS), and
// each case once through an IP. Each method (HEAD, GET) sweeps the list in its own process (scripts/processes/sweep.ts) with
// only --timeout short; the other timeouts stay at their defaults, far beyond it, so only the total
// deadline can end these URLs. Prints wall time, peak RSS, and how far past --timeout the rows ended.
// Then bare names whose HTTPS is refused: the time to fall back to HTTP.
// Usage: node dist/scripts/bench-hostile.js [--copies 200] [--timeout 3000]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { startHostileOrigin, startSimInternet } from '../src/sim/index.js';
import type { SweepMeasure } from './processes/sweep.js';
import { measure } from './lib/children.js';
import { pointAtSim } from '../src/sim/pointAtSim.js';
import { removeDatabase } from './lib/files.js';

const { values } = parseArgs({ options: { copies: { type: 'string', default: '200' }, timeout: { type: 'string', default: '3000' } } });
const COPIES = Number(values.copies);
const TIMEOUT_MS = Number(values.timeout);
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });

const sim = await startSimInternet();
const hostile = await startHostileOrigin();
try {
  const p = hostile.port;
  const lines: string[] = [];
  const paths = ['trickle', 'slowheaders', 'silent', 'early', 'status042'];
  // Answers that are broken rather than slow: endless and bomb bodies, bad chunking, a body cut short,
  // interim floods, HTTP/0.9, redirects nowhere, huge and endless.
  const broken = ['endless', 'gzipbomb', 'brbomb', 'badchunk', 'shortbody', 'infoflood', 'infoendless', 'http09', 'tofile', 'hugelocation', 'queryloop?n=0'];
  // Through an IP once each: one host's silent URLs make it down after --host-errors of them
  // (workers/host.ts), so many of them would measure that, not the deadline.
  lines.push(...paths.map((path) => `http://127.0.0.1:${p}/${path}`), `https://127.0.0.1:${p}/`);
  for (let i = 0; i < COPIES; i++) {
    lines.push(...paths.map((path) => `http://fine-${path}-${i}.hostile.test:${p}/${path}`), `https://fine-tls-${i}.hostile.test:${p}/`);
    lines.push(...broken.map((path) => `http://fine-${path.replace(/\W.*/, '')}-${i}.hostile.test:${p}/${path}`));
    // Ten hops over hosts of their own (c0.…, c1.…), a plain HTTP answer to TLS, and bytes that are not TLS.
    lines.push(`http://c0.chain${i}.hostile.test:${p}/chain/0`, `https://plainhttp-${i}.hostile.test:${p}/`, `https://tlsgarbage-${i}.hostile.test:${p}/`);
    for (const behaviour of ['hang', 'stall', 'reset', 'malformed', 'dnstimeout', 'blackhole', 'slow']) {
      lines.push(`http://${behaviour}-${i}.hostile.test:${sim.httpPort}/`);
    }
  }
  const list = join(work, 'hostile.txt');
  writeFileSync(list, lines.join('\n') + '\n');
  console.log(`${lines.length.toLocaleString('en-US')} URLs (${COPIES} of each case), --timeout ${TIMEOUT_MS} ms, -c 512`);

  for (const method of ['HEAD', 'GET'] as const) {
    const db = join(work, `hostile-${method}.db`);
    removeDatabase(db);
    const options = pointAtSim({ inputs: [list], db, method, concurrency: 512, timeoutMs: TIMEOUT_MS }, sim);
    const started = performance.now();
    const swept = await measure<SweepMeasure>('sweep.js', options);
    const wall = (performance.now() - started) / 1000;
    const results = new Database(db, { readonly: true });
    const late = results.prepare('SELECT max(elapsed_ms) AS max, sum(elapsed_ms > ?) AS past FROM results').get(TIMEOUT_MS + 100) as { max: number; past: number };
    const p99 = results.prepare('SELECT elapsed_ms FROM results ORDER BY elapsed_ms DESC LIMIT 1 OFFSET ?').get(Math.floor(lines.length / 100)) as { elapsed_ms: number };
    const outcomes = results.prepare('SELECT outcome, count(*) AS n FROM results GROUP BY outcome ORDER BY n DESC').all() as Array<{ outcome: string; n: number }>;
    results.close();
    console.log(
      `${method}: ${wall.toFixed(1)} s wall, peak RSS ${swept.peakRssMb.toFixed(0)} MB; longest row ${(late.max / 1000).toFixed(2)} s ` +
        `(${(late.max / TIMEOUT_MS).toFixed(3)}x --timeout), p99 ${(p99.elapsed_ms / 1000).toFixed(2)} s, rows past --timeout + 100 ms: ${late.past}; ` +
        outcomes.map((o) => `${o.outcome} ${o.n}`).join(', '),
    );
    removeDatabase(db);
  }

  // Bare names whose HTTPS is refused with a reset: how long each takes to fall back to HTTP.
  const bareList = join(work, 'hostile-bare.txt');
  writeFileSync(bareList, Array.from({ length: COPIES }, (_, i) => `plainonly-${i}.hostile.test`).join('\n') + '\n');
  const bareDb = join(work, 'hostile-bare.db');
  removeDatabase(bareDb);
  await measure<SweepMeasure>('sweep.js', pointAtSim({ inputs: [bareList], db: bareDb }, sim));
  const bare = new Database(bareDb, { readonly: true });
  const mid = bare.prepare('SELECT elapsed_ms, attempts FROM results ORDER BY elapsed_ms LIMIT 1 OFFSET ?').get(Math.floor(COPIES / 2)) as { elapsed_ms: number; attempts: number };
  const answered = (bare.prepare("SELECT count(*) AS n FROM results WHERE outcome = 'response'").get() as { n: number }).n;
  bare.close();
  console.log(`bare names, HTTPS reset: median ${mid.elapsed_ms.toFixed(0)} ms per URL to its HTTP answer, ${mid.attempts} attempts; ${answered} of ${COPIES} answered`);
  removeDatabase(bareDb);
} finally {
  await hostile.close();
  await sim.close();
}
