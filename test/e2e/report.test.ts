// `urlsweep report`: figures from SQL on an empty and a large database, and the HTML page rendered in a
// real headless Chromium with no network.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import Database from 'better-sqlite3';
import { ResultStore } from '../../src/store/resultStore.js';
import { readReport, type ReportData } from '../../src/report/reportData.js';
import { SYNTHETIC_MIX, writeSyntheticResults } from '../../src/sim/syntheticResults.js';
import { ROOT, urlsweep } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';
import { chromiumPath, launchChromium } from '../support/browser.js';

const temp = tempDir();
after(() => temp.remove());

const LARGE_ROWS = 1_000_000;
const RATE = 15_000;
const large = join(temp.dir, 'large.db');
const empty = join(temp.dir, 'empty.db');

before(() => {
  writeSyntheticResults(large, { rows: LARGE_ROWS, hosts: 50_000, urlsPerSecond: RATE });
  const store = new ResultStore(empty);
  store.beginRun([], {}, 'test', { line: 0, input: 0, offset: 0 });
  store.close();
});

describe('report figures', () => {
  let r: ReportData;
  before(() => (r = readReport(large)));

  test('outcome counts are exact on a million rows', () => {
    assert.equal(r.total, LARGE_ROWS);
    const expected = Object.fromEntries(SYNTHETIC_MIX.map(([outcome, share]) => [outcome, (LARGE_ROWS * share) / 1000]));
    assert.deepEqual(Object.fromEntries(r.outcomes.map((o) => [o.key, o.urls])), expected);
  });

  test('failures are the URLs tried with no response: a line that is not a URL is not one (as on the progress line)', () => {
    const file = join(temp.dir, 'failures.db');
    const store = new ResultStore(file);
    store.beginRun([], {}, 'test', { line: 0, input: 0, offset: 0 });
    const insert = store.db.prepare('INSERT INTO results (line, url, host, outcome, status, checked_at) VALUES (?, ?, ?, ?, ?, 0)');
    insert.run(1, 'http://a.test/', 'a.test', 'response', 200);
    insert.run(2, 'not a url', null, 'invalid_url', null);
    insert.run(3, 'http://b.test/', 'b.test', 'dns_error', null);
    insert.run(4, 'http://c.test/', 'c.test', 'proxy_error', null);
    store.close();
    const small = readReport(file);
    assert.equal(small.total, 4);
    assert.equal(small.failures, 2);
  });

  test('status classes and codes', () => {
    assert.deepEqual(r.statusClasses, [
      { key: '2xx', urls: 700_000 }, { key: '3xx', urls: 60_000 }, { key: '4xx', urls: 80_000 }, { key: '5xx', urls: 60_000 },
    ]);
    assert.deepEqual(r.statusCodes[0], { key: 200, urls: 700_000 });
  });

  test('latency percentiles are exact, histogram counts every timed row', () => {
    // elapsed_ms = exp(k / 10000 * 9), each k in 0..9999 exactly 100 times: the q-quantile is the k at rank q·N.
    const at = (q: number): number => Math.exp((Math.ceil((q * LARGE_ROWS) / 100) - 1) / 10000 * 9);
    assert.equal(r.latency.timed, LARGE_ROWS);
    assert.ok(Math.abs(r.latency.p50! - at(0.5)) < 1e-9, `p50 ${r.latency.p50} vs ${at(0.5)}`);
    assert.ok(Math.abs(r.latency.p90! - at(0.9)) < 1e-9);
    assert.ok(Math.abs(r.latency.p99! - at(0.99)) < 1e-9);
    assert.ok(Math.abs(r.latency.max! - Math.exp(0.9999 * 9)) < 1e-9);
    assert.equal(r.latency.buckets.reduce((s, b) => s + b.urls, 0), LARGE_ROWS);
    assert.deepEqual(r.latency.buckets[0], { fromMs: 1, toMs: 2, urls: Math.ceil((Math.log(2) / 9) * 10000) * 100 });
  });

  test('rate over time is estimated within 5% from a sample', () => {
    assert.ok(r.rate.sampled < LARGE_ROWS && r.rate.sampled >= 50_000, `sampled ${r.rate.sampled}`);
    const full = r.rate.buckets.slice(0, -1); // the last bucket is partial
    assert.ok(full.length >= 20);
    for (const b of full) {
      const perSecond = (b.urls * 1000) / r.rate.bucketMs;
      assert.ok(Math.abs(perSecond - RATE) / RATE < 0.05, `bucket at ${b.at}: ${perSecond}/s`);
    }
  });

  test('hosts with most failures', () => {
    assert.equal(r.failingHosts.length, 10);
    const worst = r.failingHosts[0]!;
    assert.ok(worst.failures >= r.failingHosts[9]!.failures && worst.failures <= worst.urls);
    assert.ok(['ENOTFOUND', 'ECONNREFUSED', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'URLSWEEP_HOST_DOWN'].includes(worst.topError!));
  });

  test('the hosts section equals the same figures counted row by row, without the indexes', () => {
    const db = new Database(large, { readonly: true });
    try {
      const h = r.hosts;
      assert.equal(h.hosts, 50_000);
      const all = <T>(sql: string): T[] => db.prepare(sql).all() as T[];
      assert.deepEqual(
        h.slowest,
        all(`SELECT host, count(*) AS urls, avg(elapsed_ms) AS avgMs, max(elapsed_ms) AS maxMs FROM results NOT INDEXED
             GROUP BY host HAVING urls >= 5 ORDER BY avgMs DESC, host LIMIT 10`),
      );
      assert.deepEqual(h.busiest, all(`SELECT host, count(*) AS urls, sum(attempts) AS requests FROM results NOT INDEXED GROUP BY host ORDER BY requests DESC, host LIMIT 10`));
      const down = all<{ host: string; notTried: number; urls: number }>(
        `SELECT host, sum(error_code = 'URLSWEEP_HOST_DOWN') AS notTried, count(*) AS urls FROM results NOT INDEXED
         GROUP BY host HAVING notTried > 0 ORDER BY notTried DESC, host`,
      );
      assert.ok(down.length > 10, `${down.length} hosts down`);
      assert.equal(h.down.hosts, down.length);
      assert.equal(h.down.urls, down.reduce((n, d) => n + d.notTried, 0));
      assert.deepEqual(h.down.top.map((d) => [d.host, d.notTried, d.tried, d.outcome]), down.slice(0, 10).map((d) => [d.host, d.notTried, d.urls - d.notTried, 'connect_timeout']));
      const pushed = all<{ host: string; urls: number; answers: number }>(
        `SELECT host, count(*) AS urls, sum(throttled) AS answers FROM results NOT INDEXED WHERE throttled > 0 GROUP BY host ORDER BY answers DESC, host`,
      );
      assert.equal(h.pushedBack.hosts, pushed.length);
      assert.equal(h.pushedBack.answers, pushed.reduce((n, p) => n + p.answers, 0));
      assert.deepEqual(h.pushedBack.top.map((p) => [p.host, p.urls, p.answers]), pushed.slice(0, 10).map((p) => [p.host, p.urls, p.answers]));
    } finally {
      db.close();
    }
  });

  test('an empty database reports nothing, without failing', () => {
    const e = readReport(empty);
    assert.equal(e.total, 0);
    assert.deepEqual(e.outcomes, []);
    assert.deepEqual(e.latency.buckets, []);
    assert.equal(e.latency.p50, null);
    assert.deepEqual(e.rate.buckets, []);
    assert.deepEqual(e.failingHosts, []);
  });
});

describe('report command', () => {
  test('terminal report of the large database', async () => {
    const run = await urlsweep(['report', large], { cwd: temp.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /response\s+900,000\s+90\.0%/);
    assert.match(run.stdout, /latency\s+p50 \d/);
    assert.match(run.stdout, /rate\s+[▁▂▃▄▅▆▇█]{20,}/);
    assert.match(run.stdout, /hosts with most failures/);
    assert.match(run.stdout, /hosts\s+50,000 swept; \d+ down, [\d,]+ URLs not tried; [\d,]+ pushed back with [\d,]+ answers of 429\/503/);
    for (const table of ['slowest hosts', 'most requests', 'hosts down', 'hosts that pushed back']) assert.match(run.stdout, new RegExp(`^${table}`, 'm'));
  });

  test('terminal report of an empty database', async () => {
    const run = await urlsweep(['report', empty], { cwd: temp.dir });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /No results recorded yet/);
  });

  test('a missing database or a foreign one is a usage error', async () => {
    const missing = await urlsweep(['report', join(temp.dir, 'nope.db')], { cwd: temp.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no database at/);
    const foreign = join(temp.dir, 'foreign.db');
    const { default: Database } = await import('better-sqlite3');
    new Database(foreign).exec('CREATE TABLE t (x)').close();
    const run = await urlsweep(['report', foreign], { cwd: temp.dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /not an urlsweep database/);
  });
});

describe('HTML report in headless Chromium', { skip: !chromiumPath() && !process.env.CI && 'no Chromium here (CI installs it)' }, () => {
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(() => browser?.close());

  /** Opens the page with every request other than the file itself recorded and refused. */
  async function open(html: string, screenshot: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://') && url.endsWith(html)) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-charts-rendered]', { timeout: 10_000 });
    // Every chart drew something: count its canvas pixels that are not transparent.
    const inked = await page.$$eval('canvas', (canvases) =>
      canvases.map((c) => {
        const { data } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return { id: c.id, inked: n };
      }),
    );
    const charts = await page.evaluate(() => document.body.dataset.chartsRendered);
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-output', screenshot), fullPage: true });
    await page.close();
    return { requests, errors, inked, charts };
  }

  test('every chart renders from the large database, offline', async () => {
    const html = join(temp.dir, 'large.html');
    const run = await urlsweep(['report', large, '--html', html], { cwd: temp.dir });
    assert.equal(run.code, 0, run.stderr);
    const page = await open(html, 'report-large.png');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.requests, [], 'the page asked the network for something');
    assert.equal(page.charts, '9');
    assert.deepEqual(page.inked.map((c) => c.id), ['outcomes', 'status', 'latency', 'rate', 'hosts', 'slowest', 'busiest', 'down', 'pushback']);
    // Axes and labels alone ink a few thousand pixels; bars and the filled rate line many more.
    for (const c of page.inked) assert.ok(c.inked > 10_000, `${c.id} drew only ${c.inked} pixels`);
  });

  test('the page of an empty database opens without errors', async () => {
    const html = join(temp.dir, 'empty.html');
    const run = await urlsweep(['report', empty, '--html', html], { cwd: temp.dir });
    assert.equal(run.code, 0, run.stderr);
    const page = await open(html, 'report-empty.png');
    assert.deepEqual(page.errors, []);
    assert.deepEqual(page.requests, []);
    assert.equal(page.charts, '9');
  });
});
