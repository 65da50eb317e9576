// `urlsweep merge` at scale: a synthetic finished sweep (src/sim/syntheticResults.ts) split into N shares
// by line, then merged back, each size in a process of its own: rows/s and peak memory, so that a peak
// that grows with the rows would show between the sizes.
// Usage: node dist/scripts/bench-merge.js [--rows 1000000,10000000] [--shares 4]
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeSyntheticResults } from '../src/sim/syntheticResults.js';
import { RESULT_COLUMNS, ResultStore } from '../src/store/resultStore.js';
import { measure } from './lib/children.js';
import { removeDatabase } from './lib/files.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000,10000000' }, shares: { type: 'string', default: '4' } } });
const SHARES = Number(values.shares);
const work = join(fileURLToPath(new URL('../..', import.meta.url)), '.bench', 'merge');
mkdirSync(work, { recursive: true });

/** The whole sweep's rows split by line into SHARES databases, each recorded as a finished share. */
function split(whole: string, rows: number): string[] {
  return Array.from({ length: SHARES }, (_, index) => {
    const path = join(work, `share-${index}.db`);
    removeDatabase(path);
    const store = new ResultStore(path);
    store.beginRun([], { shard: `${index}/${SHARES}` }, 'bench', { line: 0, input: 0, offset: 0 });
    store.db.prepare('ATTACH DATABASE ? AS whole').run(whole);
    store.db.exec(`INSERT INTO results (${RESULT_COLUMNS}) SELECT ${RESULT_COLUMNS} FROM whole.results WHERE (line - 1) % ${SHARES} = ${index}`);
    store.db.exec('DETACH DATABASE whole');
    store.db.prepare("UPDATE runs SET state = 'finished', checkpoint_line = ?").run(rows);
    store.recount();
    store.buildIndexes();
    store.close();
    return path;
  });
}

for (const rows of values.rows.split(',').map(Number)) {
  const whole = join(work, 'whole.db');
  removeDatabase(whole);
  writeSyntheticResults(whole, { rows, hosts: Math.max(1, Math.round(rows / 100)), urlsPerSecond: 20_000 });
  const shards = split(whole, rows);
  const out = join(work, 'merged.db');
  removeDatabase(out);
  const m = await measure<{ rows: number; seconds: number; peakRssMb: number }>('merge.js', { out, shards });
  if (m.rows !== rows) throw new Error(`merged ${m.rows} rows of ${rows}`);
  const sizeMb = statSync(out).size / 1e6;
  console.log(
    `${rows.toLocaleString('en-US')} rows from ${SHARES} shares: ${m.seconds.toFixed(1)} s (${Math.round(rows / m.seconds).toLocaleString('en-US')} rows/s, indexes included), ` +
      `peak ${Math.round(m.peakRssMb)} MB, ${sizeMb.toFixed(0)} MB written`,
  );
  for (const s of [...shards, whole, out]) removeDatabase(s);
}
rmSync(work, { recursive: true, force: true });
