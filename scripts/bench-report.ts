// Benchmark: `urlsweep report` on a large finished sweep. Makes a synthetic database (SQLite alone, see
// src/sim/syntheticResults.ts), then times readReport several rounds and prints the median, the time per
// million rows and the process's peak memory (which must not grow with the rows).
// Usage: node dist/scripts/bench-report.js [--rows 10000000] [--rounds 3]
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readReport } from '../src/report/reportData.js';
import { reportHtml } from '../src/report/reportHtml.js';
import { writeSyntheticResults } from '../src/sim/syntheticResults.js';
import { median, peakRssMb } from './lib/stats.js';
import { removeDatabase } from './lib/files.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, rounds: { type: 'string', default: '3' } } });
const rows = Number(values.rows);
const work = join(fileURLToPath(new URL('../..', import.meta.url)), '.bench');
mkdirSync(work, { recursive: true });
const db = join(work, `report-${rows}.db`);
removeDatabase(db);

let t = performance.now();
writeSyntheticResults(db, { rows, hosts: Math.ceil(rows / 20), urlsPerSecond: 15_000 });
console.log(`database: ${rows.toLocaleString('en-US')} rows, ${(statSync(db).size / 1e9).toFixed(2)} GB, made in ${((performance.now() - t) / 1000).toFixed(0)} s`);
const rssBefore = peakRssMb();
const times: number[] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  t = performance.now();
  const data = readReport(db);
  reportHtml(data);
  times.push(performance.now() - t);
  console.log(`round ${round}: ${(times.at(-1)! / 1000).toFixed(2)} s`);
}
const m = median(times);
console.log(
  `report (figures + HTML) median ${(m / 1000).toFixed(2)} s, ${(m / (rows / 1e6)).toFixed(0)} ms per million rows; ` +
    `peak RSS ${peakRssMb().toFixed(0)} MB (${rssBefore.toFixed(0)} MB before the report)`,
);
removeDatabase(db);
