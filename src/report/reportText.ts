// `urlsweep report` in the terminal: the report's figures as aligned text with bars and a sparkline.
import { count, duration, millis } from '../progress/format.js';
import type { ReportData } from './reportData.js';

const BAR_WIDTH = 30;
const SPARKS = '▁▂▃▄▅▆▇█';

export function reportText(r: ReportData): string {
  const out: string[] = [`urlsweep report: ${r.db}`, runsLine(r), ''];
  if (r.total === 0) {
    out.push('No results recorded yet.');
    return out.join('\n') + '\n';
  }
  const shareOf = (n: number): string => `${((n * 100) / r.total).toFixed(1).padStart(5)}%`;
  const top = Math.max(...r.outcomes.map((o) => o.urls));
  const width = Math.max(7, ...r.outcomes.map((o) => o.key.length));
  out.push(`${'outcome'.padEnd(width)}  ${'urls'.padStart(12)}   share`);
  for (const o of r.outcomes) out.push(`${o.key.padEnd(width)}  ${count(o.urls).padStart(12)}  ${shareOf(o.urls)}  ${bar(o.urls, top)}`);
  out.push(`${'total'.padEnd(width)}  ${count(r.total).padStart(12)}`, '');

  if (r.statusClasses.length > 0) {
    out.push(`status     ${r.statusClasses.map((c) => `${c.key} ${count(c.urls)}`).join('   ')}`);
    out.push(`top codes  ${r.statusCodes.slice(0, 8).map((c) => `${c.key} ${count(c.urls)}`).join('   ')}`, '');
  }

  const l = r.latency;
  if (l.timed > 0) {
    out.push(`latency    p50 ${millis(l.p50)}   p90 ${millis(l.p90)}   p99 ${millis(l.p99)}   max ${millis(l.max)}   (${count(l.timed)} timed, every outcome)`);
    const most = Math.max(...l.buckets.map((b) => b.urls));
    for (const b of l.buckets) {
      const range = b.toMs === null ? `≥ ${ms(b.fromMs)}` : `${ms(b.fromMs)}–${ms(b.toMs)}`;
      out.push(`  ${range.padStart(13)}  ${count(b.urls).padStart(12)}  ${bar(b.urls, most)}`);
    }
    out.push('');
  }

  if (r.rate.buckets.length > 1) {
    const rates = r.rate.buckets.map((b) => (b.urls * 1000) / r.rate.bucketMs);
    const peak = Math.max(...rates);
    const sorted = [...rates].sort((a, b) => a - b);
    out.push(`rate       ${sparkline(rates, peak)}`);
    out.push(
      `           median ${count(sorted[Math.floor(sorted.length / 2)]!)}/s, peak ${count(peak)}/s; ` +
        `${duration(r.rate.bucketMs)} per mark${r.rate.sampled < r.total ? ` (estimated from ${count(r.rate.sampled)} rows)` : ''}`,
      '',
    );
  }

  if (r.failingHosts.length > 0) {
    const hostWidth = Math.max('hosts with most failures'.length, ...r.failingHosts.map((h) => h.host.length));
    out.push(`${'hosts with most failures'.padEnd(hostWidth)}  ${'failed'.padStart(10)}  ${'of urls'.padStart(10)}  most common error`);
    for (const h of r.failingHosts) {
      out.push(`${h.host.padEnd(hostWidth)}  ${count(h.failures).padStart(10)}  ${count(h.urls).padStart(10)}  ${h.topError ?? ''}`);
    }
    out.push('');
  }
  out.push(...hostsSection(r));
  if (!r.indexed) out.push('This sweep has not finished: its indexes are built at the end, so this report scanned the table.');
  return out.join('\n') + '\n';
}

/** The hosts: how many, the slowest and busiest, those found down and those that pushed back. */
function hostsSection(r: ReportData): string[] {
  const h = r.hosts;
  const out = [
    `hosts      ${count(h.hosts)} swept; ${count(h.down.hosts)} down, ${count(h.down.urls)} URLs not tried; ` +
      `${count(h.pushedBack.hosts)} pushed back with ${count(h.pushedBack.answers)} answers of 429/503`,
    '',
  ];
  const table = (title: string, heads: string[], rows: string[][]): void => {
    if (rows.length === 0) return;
    const width = Math.max(title.length, ...rows.map((row) => row[0]!.length));
    out.push(`${title.padEnd(width)}  ${heads.map((head, i) => head.padStart(Math.max(head.length, ...rows.map((row) => row[i + 1]!.length)))).join('  ')}`);
    for (const row of rows) {
      out.push(`${row[0]!.padEnd(width)}  ${row.slice(1).map((cell, i) => cell.padStart(Math.max(heads[i]!.length, ...rows.map((x) => x[i + 1]!.length)))).join('  ')}`);
    }
    out.push('');
  };
  table('slowest hosts (5+ URLs)', ['urls', 'average', 'max'], h.slowest.map((x) => [x.host, count(x.urls), millis(x.avgMs), millis(x.maxMs)]));
  table('most requests', ['urls', 'requests'], h.busiest.map((x) => [x.host, count(x.urls), count(x.requests)]));
  table('hosts down', ['not tried', 'tried', 'outcome', 'error'], h.down.top.map((x) => [x.host, count(x.notTried), count(x.tried), x.outcome, x.code ?? '']));
  table('hosts that pushed back', ['urls', '429/503 answers', 'ended 429/503'], h.pushedBack.top.map((x) => [x.host, count(x.urls), count(x.answers), count(x.endedThrottled)]));
  return out;
}

function runsLine(r: ReportData): string {
  if (r.runs.length === 0) return 'No run recorded.';
  const first = r.runs[0]!;
  const latest = r.runs[r.runs.length - 1]!;
  const started = new Date(first.startedAt).toISOString().replace('T', ' ').slice(0, 16);
  const runs = r.runs.length === 1 ? '1 run' : `${r.runs.length} runs (resumed ${r.runs.length - 1} times)`;
  const ended = latest.endedAt === null ? latest.state : `${latest.state} after ${duration(latest.endedAt - first.startedAt)}`;
  return `${runs}, started ${started} UTC, ${ended}.`;
}

function bar(n: number, most: number): string {
  return most === 0 ? '' : '█'.repeat(Math.max(n > 0 ? 1 : 0, Math.round((n / most) * BAR_WIDTH)));
}

function sparkline(values: number[], peak: number): string {
  return values.map((v) => (peak === 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / peak) * SPARKS.length))])).join('');
}

function ms(value: number): string {
  return value >= 1000 ? `${value / 1000} s` : `${value} ms`;
}
