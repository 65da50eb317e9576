// `urlsweep demo`: the generated web is what the README promises, and the command runs end to end offline.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GROUPED_SITES, writeDemoList } from '../../src/demo/demoList.js';
import { behaviourOf } from '../../src/sim/behaviours.js';
import { urlsweep } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());

test('the default list: 60k URLs over thousands of hosts, mostly healthy, every kind of trouble', async () => {
  const list = join(temp.dir, 'list.txt');
  await writeDemoList(list, 60_000, 12_000);
  const urls = readFileSync(list, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(urls.length, 60_000);
  const hosts = new Set(urls.map((u) => new URL(u).hostname));
  assert.ok(hosts.size >= 6_000, `${hosts.size} hosts`);
  const byBehaviour = new Map<string, number>();
  for (const u of urls) {
    const b = behaviourOf(new URL(u).hostname);
    byBehaviour.set(b, (byBehaviour.get(b) ?? 0) + 1);
  }
  assert.ok(byBehaviour.get('fine')! > 36_000, 'mostly healthy');
  for (const b of ['slow', 'nxdomain', 'refused', 'blackhole', 'hang', 'redirect', 'error', 'notfound', 'throttle']) {
    assert.ok((byBehaviour.get(b) ?? 0) > 50, `${b}: ${byBehaviour.get(b)}`);
  }
  // The big grouped sites: each one's URLs one after another, as in a sorted list or a sitemap export.
  for (const site of GROUPED_SITES) {
    const lines = urls.flatMap((u, i) => (new URL(u).hostname === site.host ? [i] : []));
    assert.equal(lines.length, site.urls, site.host);
    assert.equal(lines.at(-1)! - lines[0]!, site.urls - 1, `${site.host} is one block`);
  }
  assert.ok(urls.some((u) => u.startsWith('https://')) && urls.some((u) => u.startsWith('http://')));
  // Seeded: the same list every time.
  const again = join(temp.dir, 'again.txt');
  await writeDemoList(again, 60_000, 12_000);
  assert.equal(readFileSync(again, 'utf8'), readFileSync(list, 'utf8'));
});

test('demo end to end: sweeps the simulated web, prints the summary and three queries, leaves the database', async () => {
  const db = join(temp.dir, 'demo.db');
  const run = await urlsweep(['demo', '--db', db, '--urls', '5000', '--hosts', '1500', '--progress', 'none'], { cwd: temp.dir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Recorded 5,000 results/);
  assert.equal((run.stdout.match(/^\$ urlsweep query /gm) ?? []).length, 3);
  assert.match(run.stdout, /outcome\s+status_class\s+urls/);
  assert.match(run.stdout, /dns_error\s+ENOTFOUND\s+\d+/);
  assert.match(run.stdout, /host\s+urls\s+failures\s+median_ms/);
  assert.match(run.stdout, /urlsweep report .* --html/);
  assert.match(run.stdout, /^hosts\s+[\d,]+ swept; [1-9][\d,]* down \([\d,]+ URLs not tried\); [1-9][\d,]* pushed back/m, 'dead and rate-limited sites show');

  const d = new Database(db, { readonly: true });
  const outcomes = new Map((d.prepare('SELECT outcome, count(*) AS n FROM results GROUP BY outcome').all() as { outcome: string; n: number }[]).map((r) => [r.outcome, r.n]));
  const runs = d.prepare('SELECT state FROM runs').pluck().all();
  const notTried = d.prepare(`SELECT count(*) FROM results WHERE host = 'refused-intranet.demo.test' AND error_code = 'URLSWEEP_HOST_DOWN'`).pluck().get() as number;
  d.close();
  assert.deepEqual(runs, ['finished']);
  assert.ok(notTried > 10, `the grouped refusing site: ${notTried} URLs not tried`);
  assert.equal([...outcomes.values()].reduce((a, b) => a + b, 0), 5000);
  assert.ok(outcomes.get('response')! > 4000);
  for (const o of ['dns_error', 'connect_refused', 'connect_timeout', 'timeout', 'protocol_error']) {
    assert.ok((outcomes.get(o) ?? 0) > 0, `no ${o} in ${JSON.stringify([...outcomes])}`);
  }
});
