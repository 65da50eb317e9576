// The summary printed when a sweep ends: counts by outcome and status class, latency, rate.
import type { SweepSummary } from '../summary.js';
import { count, duration, millis } from './format.js';

export function summaryText(s: SweepSummary): string {
  const lines: string[] = [];
  if (s.alreadyComplete) lines.push(`This sweep is already complete; nothing to do (use --fresh to start over).`);
  else lines.push(`Recorded ${count(s.recorded)} results in ${duration(s.elapsedMs)} (${count(s.rate)} URLs/s).`);
  if (s.interrupted) lines.push(`Interrupted (${s.interrupted}): what was done is saved; run the same command again to resume.`);
  if (s.workerRestarts > 0) lines.push(`${s.workerRestarts} worker thread(s) died and were replaced; their URLs were sent again.`);
  lines.push('');
  const width = Math.max(...Object.keys(s.byOutcome).map((k) => k.length), 8);
  lines.push(`${'outcome'.padEnd(width)}  ${'rows'.padStart(12)}  share`);
  for (const [outcome, n] of Object.entries(s.byOutcome)) {
    lines.push(`${outcome.padEnd(width)}  ${count(n).padStart(12)}  ${share(n, s.total)}`);
  }
  lines.push(`${'total'.padEnd(width)}  ${count(s.total).padStart(12)}`);
  const classes = Object.entries(s.byStatusClass);
  if (classes.length > 0) {
    lines.push('');
    lines.push('status   ' + classes.map(([c, n]) => `${c} ${count(n)}`).join('   '));
  }
  if (s.latency.p50 !== null) {
    lines.push(`latency  p50 ${millis(s.latency.p50)}   p90 ${millis(s.latency.p90)}   p99 ${millis(s.latency.p99)}`);
  }
  lines.push('');
  lines.push(`Results are in ${s.db}. Try:`);
  lines.push(`  urlsweep query ${s.db} "SELECT * FROM hosts ORDER BY failures DESC LIMIT 10"`);
  lines.push(`  urlsweep query ${s.db} "SELECT * FROM errors LIMIT 20"`);
  return lines.join('\n') + '\n';
}

function share(n: number, total: number): string {
  return total === 0 ? '' : `${((n * 100) / total).toFixed(1).padStart(5)}%`;
}
