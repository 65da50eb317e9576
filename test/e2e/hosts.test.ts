// What urlsweep does to hosts, end to end against the simulated internet: no host sets the pace (its
// overflow is parked and reading goes on), --host-rate and --rate hold at the server, Retry-After pauses
// the host and a 429 storm ends in 200s, redirect targets are held to the per-host limit, dead hosts
// cost a bounded number of attempts, parked URLs survive kill -9, and --redo sweeps failures again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sweepLines, readDb, type Row } from '../support/simSweep.js';
import { countRows, finished, start, urlsweep, waitFor } from '../support/cli.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';

const web = useSimulatedWeb();

/** Most arrivals within any `windowMs`, over sorted times. */
function most(times: number[], windowMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function parkedCount(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT count(*) FROM pending').pluck().get() as number;
  } catch {
    return 0;
  } finally {
    conn.close();
  }
}

describe('no host sets the pace', () => {
  test('a host-sorted list: the hosts after a big slow one are swept while it is still going', async () => {
    // 200 URLs of one host at 2 at a time, 50 ms each (5 s alone), then 100 other hosts.
    const big = Array.from({ length: 200 }, (_, i) => `http://slow-big.test/${i}?delay=50`);
    const small = Array.from({ length: 100 }, (_, i) => `http://fine-after-${i}.test/`);
    const result = await sweepLines(web.sim, web.dir, [...big, ...small], { db: `${web.dir}/sorted.db`, perHost: 2 });
    assert.equal(result.rows.length, 300);
    assert.ok(result.rows.every((r) => r.status === 200));
    const lastSmall = Math.max(...result.rows.filter((r) => r.host!.startsWith('fine-after-')).map((r) => r.checked_at));
    const bigTimes = result.rows.filter((r) => r.host === 'slow-big.test').map((r) => r.checked_at).sort((a, b) => a - b);
    assert.ok(lastSmall < bigTimes[20]!, 'every later host was done before the big one had answered 21 of its 200');
    assert.equal(web.sim.peakConcurrency()['slow-big.test'], 2);
    assert.equal(parkedCount(result.dbPath), 0, 'nothing left parked');
  });
});

describe('politeness', () => {
  test('--host-rate holds at the server: a host never sees more than rate + 1 requests in a second', async () => {
    const list = Array.from({ length: 24 }, (_, i) => `http://fine-rate.test/${i}`);
    const result = await sweepLines(web.sim, web.dir, list, { db: `${web.dir}/hostrate.db`, hostRate: 8, perHost: 8 });
    assert.ok(result.rows.every((r) => r.status === 200));
    const times = web.sim.arrivals('fine-rate.test').map((a) => a.at);
    assert.equal(times.length, 24);
    assert.ok(most(times, 1000) <= 9, `${most(times, 1000)} requests within one second`);
    // 24 at 8/s: about 3 s, not the instant it takes unpaced.
    assert.ok(times.at(-1)! - times[0]! >= 2700, `spread over ${Math.round(times.at(-1)! - times[0]!)} ms`);
  });

  test('--rate holds for the whole sweep, across threads and hosts', async () => {
    const list = Array.from({ length: 30 }, (_, i) => `http://fine-sweeprate-${i}.test/`);
    const result = await sweepLines(web.sim, web.dir, list, { db: `${web.dir}/rate.db`, rate: 10, threads: 2 });
    assert.ok(result.rows.every((r) => r.status === 200));
    const times = list.map((_, i) => web.sim.arrivals(`fine-sweeprate-${i}.test`)[0]!.at).sort((a, b) => a - b);
    assert.ok(most(times, 1000) <= 11, `${most(times, 1000)} requests within one second`);
    assert.ok(times.at(-1)! - times[0]! >= 2700, `spread over ${Math.round(times.at(-1)! - times[0]!)} ms`);
  });

  test('a 429 storm ends in 200s: the host is paused for Retry-After after every 429 and learns a pace', async () => {
    // Four hosts that allow 5 requests a second each (a bucket of 5), 429 with Retry-After: 1 beyond.
    const hosts = [0, 1, 2, 3].map((h) => `throttle-storm-${h}.test`);
    const list = hosts.flatMap((host) => Array.from({ length: 40 }, (_, i) => `http://${host}/${i}?delay=50`));
    const result = await sweepLines(web.sim, web.dir, list, { db: `${web.dir}/storm.db` });
    assert.ok(result.rows.every((r) => r.status === 200), 'every URL ended as 200');
    let requests = 0;
    let refused = 0;
    for (const host of hosts) {
      const arrivals = web.sim.arrivals(host);
      requests += arrivals.length;
      for (const [i, a] of arrivals.entries()) {
        if (a.status !== 429) continue;
        refused++;
        // Requests already in flight when the 429 left may still arrive; none that started after it.
        const next = arrivals.slice(i + 1).find((b) => b.at > a.at + 150);
        if (next) assert.ok(next.at - a.at >= 990, `${host}: a request ${Math.round(next.at - a.at)} ms after a 429 with Retry-After: 1`);
      }
    }
    const throttled = result.rows.reduce((n, r) => n + r.throttled, 0);
    assert.equal(throttled, refused, 'the throttled column counts the 429s each URL drew');
    assert.ok(refused / requests < 0.15, `${refused} of ${requests} requests drew a 429`);
  });

  test('waiting for a host\'s pause spends none of the URL\'s deadline', async () => {
    // Retry-After: 3 against a 2 s total timeout: the retry comes 3 s later and still counts as in time.
    const result = await sweepLines(web.sim, web.dir, ['http://ratelimit-long.test/?retry=3'], { db: `${web.dir}/pause.db`, timeoutMs: 2000 });
    const [r] = result.rows;
    assert.equal(r!.status, 200);
    assert.equal(r!.attempts, 2);
    const [first, second] = web.sim.arrivals('ratelimit-long.test');
    assert.ok(second!.at - first!.at >= 2990, `retried after ${Math.round(second!.at - first!.at)} ms`);
  });

  test('a redirect\'s target host is held to --per-host too', async () => {
    // Twenty hosts redirect to one slow target; one thread, so the limit is exact.
    const list = Array.from({ length: 20 }, (_, i) => `http://crosshost-${i}.test/p${i}?to=slow&delay=300`);
    const result = await sweepLines(web.sim, web.dir, list, { db: `${web.dir}/redirect.db`, perHost: 2, threads: 1 });
    assert.ok(result.rows.every((r) => r.status === 200 && r.redirects === 1));
    assert.equal(web.sim.arrivals('slow-from-crosshost.test').length, 20);
    assert.equal(web.sim.peakConcurrency()['slow-from-crosshost.test'], 2);
  });
});

describe('dead hosts', () => {
  const refusedList = (name: string) => Array.from({ length: 60 }, (_, i) => `http://refused-${name}.test/${i}`);

  test('after --host-errors connection failures in a row, a host\'s other URLs are recorded untried', async () => {
    const blackhole = Array.from({ length: 60 }, (_, i) => `http://blackhole-down.test/${i}`);
    const fine = Array.from({ length: 20 }, (_, i) => `http://fine-beside-dead.test/${i}`);
    const result = await sweepLines(web.sim, web.dir, [...refusedList('down'), ...blackhole, ...fine], {
      db: `${web.dir}/down.db`, hostErrors: 4, connectTimeoutMs: 500,
    });
    const of = (host: string): Row[] => result.rows.filter((r) => r.host === host);
    for (const [host, outcome] of [['refused-down.test', 'connect_refused'], ['blackhole-down.test', 'connect_timeout']] as const) {
      const rows = of(host);
      assert.equal(rows.length, 60);
      assert.ok(rows.every((r) => r.outcome === outcome), `${host}: ${[...new Set(rows.map((r) => r.outcome))]}`);
      const tried = rows.filter((r) => r.attempts > 0);
      const untried = rows.filter((r) => r.error_code === 'URLSWEEP_HOST_DOWN');
      // The first round, --per-host (8) at once, was out before the fourth failure came back; then no more.
      assert.ok(tried.length <= 8, `${host}: ${tried.length} URLs tried`);
      assert.equal(tried.length + untried.length, 60);
      assert.ok(untried.every((r) => r.attempts === 0 && r.status === null));
      assert.match(untried[0]!.error_message!, /^not tried: host down after 4 failures in a row with no answer \(\d URLs? of this host failed first; last: /);
    }
    assert.ok(of('fine-beside-dead.test').every((r) => r.status === 200));
  });

  test('--host-errors 0 tries every URL', async () => {
    const result = await sweepLines(web.sim, web.dir, refusedList('tried'), { db: `${web.dir}/tried.db`, hostErrors: 0 });
    assert.ok(result.rows.every((r) => r.outcome === 'connect_refused' && r.attempts === 1));
  });
});

describe('crash safety with parked URLs', () => {
  test('kill -9 while URLs are parked: the rerun takes them back, loses none and requests none twice but what was in flight', async () => {
    const slow = Array.from({ length: 300 }, (_, i) => `http://slow-park.test:${web.sim.httpPort}/p${i}?delay=40`);
    const fine = Array.from({ length: 200 }, (_, i) => `http://fine-park-${i}.test:${web.sim.httpPort}/`);
    const list = join(web.dir, 'park.txt');
    writeFileSync(list, [...slow, ...fine].join('\n') + '\n');
    const db = join(web.dir, 'park.db');
    const args = ['run', list, '--db', db, '--resolver', web.sim.resolver, '--per-host', '2', '--progress', 'log'];
    const child = start(args, { cwd: web.dir });
    const done = finished(child);
    await waitFor(() => countRows(db) >= 240 && parkedCount(db) > 0, 30_000, 'the other hosts swept while the slow one has parked URLs');
    child.kill('SIGKILL');
    await done;
    const parkedAtKill = parkedCount(db);
    assert.ok(parkedAtKill > 100, `${parkedAtKill} parked at the kill`);
    const rerun = await urlsweep(args, { cwd: web.dir });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /URLs parked by the last run, waiting for their hosts, are taken back first/);
    const { rows } = readDb(db);
    assert.deepEqual(rows.map((r) => r.line), Array.from({ length: 500 }, (_, i) => i + 1), 'one row per line, none missing');
    assert.ok(rows.every((r) => r.status === 200));
    assert.equal(parkedCount(db), 0);
    let again = 0;
    for (const host of ['slow-park.test', ...fine.map((_, i) => `fine-park-${i}.test`)]) {
      const paths = web.sim.arrivals(host).map((a) => a.path);
      again += paths.length - new Set(paths).size;
    }
    // In flight at the kill (2) or answered in the last 250 ms before it (the slow host answers 50 a second).
    assert.ok(again <= 20, `${again} URLs were requested twice`);
  });
});

describe('a second pass', () => {
  test('--redo sweeps again the rows with the listed outcomes and codes, keeping the replaced rows', async () => {
    const port = web.sim.httpPort;
    const lines = [`http://fine-redo.test:${port}/`, `http://hang-redo.test:${port}/`, `http://nxdomain-redo.test:${port}/`, 'not a url'];
    const list = join(web.dir, 'redo.txt');
    writeFileSync(list, lines.join('\n') + '\n');
    const db = join(web.dir, 'redo.db');
    const base = ['run', list, '--db', db, '--resolver', web.sim.resolver, '--timeout', '1s', '--retries', '0', '--progress', 'log'];
    assert.equal((await urlsweep(base, { cwd: web.dir })).code, 0);
    const first = readDb(db).rows;
    const again = await urlsweep([...base, '--redo', 'timeout,ENOTFOUND'], { cwd: web.dir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Second pass: 2 rows are swept again/);
    const second = readDb(db).rows;
    assert.equal(second.length, 4);
    assert.equal(second[0]!.checked_at, first[0]!.checked_at, 'the 200 was left alone');
    assert.ok(second[1]!.checked_at > first[1]!.checked_at, 'the timeout was swept again');
    assert.ok(second[2]!.checked_at > first[2]!.checked_at, 'the unresolvable name was swept again');
    const conn = new Database(db, { readonly: true });
    try {
      const history = conn.prepare('SELECT line, outcome, replaced_by FROM results_history ORDER BY line').all();
      assert.deepEqual(history, [
        { line: 2, outcome: 'timeout', replaced_by: 2 },
        { line: 3, outcome: 'dns_error', replaced_by: 2 },
      ]);
      assert.deepEqual(conn.prepare('SELECT state FROM runs ORDER BY id').pluck().all(), ['finished', 'finished']);
    } finally {
      conn.close();
    }
    const complete = await urlsweep(base, { cwd: web.dir });
    assert.match(complete.stdout, /already complete/, 'without --redo, a finished sweep stays done');
    const refused = await urlsweep([...base, '--redo', 'invalid_url'], { cwd: web.dir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /an invalid line stays invalid/);
  });
});
