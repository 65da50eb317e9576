// `urlsweep report --html`: one self-contained page. Chart.js is inlined and the figures travel as JSON
// in the page, so it opens offline and asks nothing of the network.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ReportData } from './reportData.js';
import { UsageError } from '../result/errors.js';

/** Chart.js's browser build; the package exports only its module builds, so it is found beside them. */
function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** Text placed inside a <script> element must not be able to close it. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function reportHtml(r: ReportData): string {
  const data = scriptSafe(JSON.stringify(r));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>urlsweep report: ${escapeHtml(r.db)}</title>
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1180px; padding: 24px; color: #1d2330; background: #fafbfc; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .sub { color: #5b6476; margin: 0 0 20px; }
  .tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 20px; }
  .tile { background: #fff; border: 1px solid #e2e6ee; border-radius: 8px; padding: 10px 16px; min-width: 120px; }
  .tile b { display: block; font-size: 20px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
  figure { margin: 0; background: #fff; border: 1px solid #e2e6ee; border-radius: 8px; padding: 12px 16px; }
  figcaption { font-weight: 600; margin-bottom: 8px; }
  .chart { position: relative; height: 300px; }
  .note { color: #5b6476; font-size: 12px; margin-top: 6px; }
</style>
</head>
<body>
<h1>urlsweep report</h1>
<p class="sub" id="subtitle"></p>
<div class="tiles" id="tiles"></div>
<div class="grid">
  <figure><figcaption>Outcomes</figcaption><div class="chart"><canvas id="outcomes" role="img" aria-label="URLs per outcome"></canvas></div></figure>
  <figure><figcaption>Status codes</figcaption><div class="chart"><canvas id="status" role="img" aria-label="URLs per HTTP status code"></canvas></div></figure>
  <figure><figcaption>Time per URL</figcaption><div class="chart"><canvas id="latency" role="img" aria-label="Latency histogram"></canvas></div><p class="note" id="latency-note"></p></figure>
  <figure><figcaption>Throughput over time</figcaption><div class="chart"><canvas id="rate" role="img" aria-label="URLs recorded per second over time"></canvas></div><p class="note" id="rate-note"></p></figure>
  <figure><figcaption>Hosts with most failures</figcaption><div class="chart"><canvas id="hosts" role="img" aria-label="Hosts with the most failed URLs"></canvas></div></figure>
  <figure><figcaption>Slowest hosts</figcaption><div class="chart"><canvas id="slowest" role="img" aria-label="Hosts with the longest average time per URL"></canvas></div><p class="note" id="slowest-note"></p></figure>
  <figure><figcaption>Most requests</figcaption><div class="chart"><canvas id="busiest" role="img" aria-label="Hosts with the most requests"></canvas></div></figure>
  <figure><figcaption>Hosts down</figcaption><div class="chart"><canvas id="down" role="img" aria-label="Hosts found down, with their URLs not tried"></canvas></div><p class="note" id="down-note"></p></figure>
  <figure><figcaption>Hosts that pushed back (429, 503)</figcaption><div class="chart"><canvas id="pushback" role="img" aria-label="Hosts that answered 429 or 503"></canvas></div><p class="note" id="pushback-note"></p></figure>
</div>
<script id="report-data" type="application/json">${data}</script>
<script>${scriptSafe(chartJsSource())}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** Runs in the browser: reads the figures and draws the charts. No animation, so the page is final when it loads. */
const PAGE_SCRIPT = String.raw`
(() => {
  const r = JSON.parse(document.getElementById('report-data').textContent);
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const ms = (v) => v === null ? '-' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v.toFixed(v < 10 ? 1 : 0) + ' ms';
  const colour = { response: '#2e9d5b', dns_error: '#8e6cc7', connect_refused: '#d9822b', connect_timeout: '#e0b12f',
    connect_error: '#c7803a', timeout: '#d64541', tls_error: '#3b7dd8', protocol_error: '#9a4f7a',
    too_many_redirects: '#5aa6a0', invalid_url: '#8a909c', blocked: '#5b5f66', proxy_error: '#b5651d' };
  const statusColour = (s) => s < 300 ? '#2e9d5b' : s < 400 ? '#3b7dd8' : s < 500 ? '#e0b12f' : '#d64541';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.display = false;

  const runs = r.runs.length;
  const last = r.runs[runs - 1];
  document.getElementById('subtitle').textContent = r.db + ' · ' + (runs === 1 ? '1 run' : runs + ' runs') +
    (last ? ' · ' + last.state + ' · started ' + new Date(r.runs[0].startedAt).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '');
  const ok = r.outcomes.find((o) => o.key === 'response');
  const tiles = [['URLs', fmt(r.total)], ['Responses', fmt(ok ? ok.urls : 0)], ['Failures', fmt(r.failures)],
    ['p50', ms(r.latency.p50)], ['p90', ms(r.latency.p90)], ['p99', ms(r.latency.p99)],
    ['Hosts', fmt(r.hosts.hosts)], ['Hosts down', fmt(r.hosts.down.hosts)], ['Pushed back', fmt(r.hosts.pushedBack.hosts)]];
  for (const [label, value] of tiles) {
    const tile = document.createElement('div');
    tile.className = 'tile';
    tile.append(label);
    const b = document.createElement('b');
    b.textContent = value;
    tile.append(b);
    document.getElementById('tiles').append(tile);
  }

  const bar = (id, labels, values, colours, extra = {}) => new Chart(document.getElementById(id), {
    type: 'bar',
    data: { labels, datasets: [{ data: values, backgroundColor: colours }] },
    options: { ...extra, scales: { ...(extra.scales || {}) } },
  });
  bar('outcomes', r.outcomes.map((o) => o.key), r.outcomes.map((o) => o.urls), r.outcomes.map((o) => colour[o.key] || '#8a909c'));
  bar('status', r.statusCodes.map((c) => String(c.key)), r.statusCodes.map((c) => c.urls), r.statusCodes.map((c) => statusColour(c.key)));
  const edge = (v) => v >= 1000 ? v / 1000 + ' s' : v + ' ms';
  const range = (b) => b.toMs === null ? '≥ ' + edge(b.fromMs) : edge(b.fromMs) + '–' + edge(b.toMs);
  bar('latency', r.latency.buckets.map(range), r.latency.buckets.map((b) => b.urls), '#3b7dd8');
  document.getElementById('latency-note').textContent = fmt(r.latency.timed) + ' URLs timed (every outcome); max ' + ms(r.latency.max) + '.';
  const perSecond = 1000 / (r.rate.bucketMs || 1000);
  new Chart(document.getElementById('rate'), {
    type: 'line',
    data: {
      labels: r.rate.buckets.map((b) => new Date(b.at).toISOString().slice(11, 19)),
      datasets: [{ data: r.rate.buckets.map((b) => b.urls * perSecond), borderColor: '#2e9d5b', backgroundColor: 'rgba(46,157,91,0.15)', fill: true, pointRadius: 0, tension: 0.2 }],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'URLs/s' } }, x: { title: { display: true, text: 'UTC' } } } },
  });
  document.getElementById('rate-note').textContent = (r.rate.bucketMs / 1000) + ' s per point' +
    (r.rate.sampled < r.total ? '; estimated from ' + fmt(r.rate.sampled) + ' evenly spaced rows.' : '.');
  bar('hosts', r.failingHosts.map((h) => h.host), r.failingHosts.map((h) => h.failures), '#d64541', {
    indexAxis: 'y',
    plugins: { tooltip: { callbacks: { afterLabel: (c) => 'of ' + fmt(r.failingHosts[c.dataIndex].urls) + ' URLs; mostly ' + r.failingHosts[c.dataIndex].topError } } },
  });
  const h = r.hosts;
  const across = { indexAxis: 'y' };
  bar('slowest', h.slowest.map((x) => x.host), h.slowest.map((x) => x.avgMs), '#e0b12f', {
    ...across, scales: { x: { title: { display: true, text: 'average ms per URL' } } },
    plugins: { tooltip: { callbacks: { afterLabel: (c) => fmt(h.slowest[c.dataIndex].urls) + ' URLs; slowest ' + ms(h.slowest[c.dataIndex].maxMs) } } },
  });
  document.getElementById('slowest-note').textContent = 'Hosts with 5 URLs or more, by average time per URL (waits for the host\'s turn not counted).';
  bar('busiest', h.busiest.map((x) => x.host), h.busiest.map((x) => x.requests), '#3b7dd8', {
    ...across, plugins: { tooltip: { callbacks: { afterLabel: (c) => fmt(h.busiest[c.dataIndex].urls) + ' URLs' } } },
  });
  bar('down', h.down.top.map((x) => x.host), h.down.top.map((x) => x.notTried), '#8a909c', {
    ...across, plugins: { tooltip: { callbacks: { afterLabel: (c) => fmt(h.down.top[c.dataIndex].tried) + ' tried first: ' + h.down.top[c.dataIndex].outcome } } },
  });
  document.getElementById('down-note').textContent = fmt(h.down.hosts) + ' hosts down, ' + fmt(h.down.urls) + ' URLs not tried (URLSWEEP_HOST_DOWN).';
  bar('pushback', h.pushedBack.top.map((x) => x.host), h.pushedBack.top.map((x) => x.answers), '#d9822b', {
    ...across, plugins: { tooltip: { callbacks: { afterLabel: (c) => fmt(h.pushedBack.top[c.dataIndex].endedThrottled) + ' URLs still ended 429/503' } } },
  });
  document.getElementById('pushback-note').textContent = fmt(h.pushedBack.hosts) + ' hosts answered 429 or 503 ' + fmt(h.pushedBack.answers) + ' times and were slowed down.';
  document.body.dataset.chartsRendered = String(Object.keys(Chart.instances).length);
})();
`;

/** Writes the page to `file`: aside first and then renamed, so a page being viewed is never half-written. */
export function writeReportHtml(data: ReportData, file: string): void {
  const partial = `${file}.partial`;
  try {
    writeFileSync(partial, reportHtml(data));
    renameSync(partial, file);
  } catch (err) {
    throw new UsageError(`cannot write --html ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
