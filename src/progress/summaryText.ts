// The summary printed when a sweep ends: counts by outcome and status class, latency, rate.
import type { SweepSummary } from '../sweep/summary.js';
import type { HostStats } from '../report/hostStats.js';
import { count, duration, millis } from './format.js';

export function summaryText(s: SweepSummary): string {
  const lines: string[] = [];
  if (s.alreadyComplete) lines.push(`This sweep is already complete; nothing to do (use --fresh to start over).`);
  else {
    // Building the indexes is minutes of a 100M-line sweep, after the last request: said, so that the
    // time is not taken for the sweep's own.
    const indexes = s.indexMs !== null && s.indexMs >= 1000 ? `, ${duration(s.indexMs)} of it building the indexes` : '';
    lines.push(`Recorded ${count(s.recorded)} results in ${duration(s.elapsedMs)} (${count(s.rate)} URLs/s${indexes}; peak memory ${count(s.peakRssMb)} MB).`);
  }
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
  if (s.hosts) lines.push(...hostLines(s.hosts));
  else if (s.notTried > 0 || s.throttled > 0) {
    lines.push(`hosts    this run: ${count(s.notTried)} URLs not tried (host down), ${count(s.throttled)} answers of 429/503`);
  }
  lines.push('');
  lines.push(`Results are in ${s.db}. Try:`);
  lines.push(`  urlsweep query ${s.db} "SELECT * FROM hosts ORDER BY failures DESC LIMIT 10"`);
  lines.push(`  urlsweep query ${s.db} "SELECT * FROM errors LIMIT 20"`);
  return lines.join('\n') + '\n';
}

/** The hosts section: totals on one line, then the few slowest, busiest, down and pushing back. */
function hostLines(h: HostStats): string[] {
  const out = [
    '',
    `hosts    ${count(h.hosts)} swept; ${count(h.down.hosts)} down (${count(h.down.urls)} URLs not tried); ` +
      `${count(h.pushedBack.hosts)} pushed back (${count(h.pushedBack.answers)} answers of 429/503)`,
  ];
  const list = (label: string, items: string[]): void => {
    if (items.length > 0) out.push(`  ${label.padEnd(14)} ${items.join(', ')}`);
  };
  list('slowest', h.slowest.map((x) => `${x.host} ${millis(x.avgMs)} avg`));
  list('most requests', h.busiest.map((x) => `${x.host} ${count(x.requests)}`));
  list('down', h.down.top.map((x) => `${x.host} (${x.outcome}, ${count(x.notTried)} not tried)`));
  list('pushed back', h.pushedBack.top.map((x) => `${x.host} (${count(x.answers)})`));
  return out;
}

function share(n: number, total: number): string {
  return total === 0 ? '' : `${((n * 100) / total).toFixed(1).padStart(5)}%`;
}
