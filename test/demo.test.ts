// `urlsweep demo`: the generated web is what the README promises, and the command runs end to end offline.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeDemoList } from '../src/demo/demoList.js';
import { behaviourOf } from '../src/sim/behaviours.js';
import { urlsweep } from './support/cli.js';
import { tempDir } from './support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());

test('the default list: 100k URLs over tens of thousands of hosts, mostly healthy, every kind of trouble', async () => {
  const list = join(temp.dir, 'list.txt');
  await writeDemoList(list, 100_000, 20_000);
  const urls = readFileSync(list, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(urls.length, 100_000);
  const hosts = new Set(urls.map((u) => new URL(u).hostname));
  assert.ok(hosts.size >= 10_000, `${hosts.size} hosts`);
  const byBehaviour = new Map<string, number>();
  for (const u of urls) {
    const b = behaviourOf(new URL(u).hostname);
    byBehaviour.set(b, (byBehaviour.get(b) ?? 0) + 1);
  }
  assert.ok(byBehaviour.get('fine')! > 60_000, 'mostly healthy');
  for (const b of ['slow', 'nxdomain', 'refused', 'blackhole', 'hang', 'redirect', 'error', 'notfound']) {
    assert.ok((byBehaviour.get(b) ?? 0) > 50, `${b}: ${byBehaviour.get(b)}`);
  }
  assert.ok(urls.some((u) => u.startsWith('https://')) && urls.some((u) => u.startsWith('http://')));
  // Seeded: the same list every time.
  const again = join(temp.dir, 'again.txt');
  await writeDemoList(again, 100_000, 20_000);
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

  const d = new Database(db, { readonly: true });
  const outcomes = new Map((d.prepare('SELECT outcome, count(*) AS n FROM results GROUP BY outcome').all() as { outcome: string; n: number }[]).map((r) => [r.outcome, r.n]));
  const runs = d.prepare('SELECT state FROM runs').pluck().all();
  d.close();
  assert.deepEqual(runs, ['finished']);
  assert.equal([...outcomes.values()].reduce((a, b) => a + b, 0), 5000);
  assert.ok(outcomes.get('response')! > 4000);
  for (const o of ['dns_error', 'connect_refused', 'connect_timeout', 'timeout', 'protocol_error']) {
    assert.ok((outcomes.get(o) ?? 0) > 0, `no ${o} in ${JSON.stringify([...outcomes])}`);
  }
});
