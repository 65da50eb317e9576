// urlsweep as a library, imported by its package name as a user's code would (package.json `exports`):
// everything the CLI does is reachable, and a sweep of the simulated internet runs through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { tempDir } from '../support/simSweep.js';

test('the package exports the sweep, the option checks, query and report; urlsweep/sim the simulated internet', async () => {
  const lib = await import('urlsweep');
  const simulated = await import('urlsweep/sim');
  for (const name of ['runSweep', 'defaultOptions', 'redoList', 'resolveTimeouts', 'resolveProxy', 'runQuery', 'writeStoredBody', 'parseSize', 'readReport', 'reportText', 'writeReportHtml', 'classify', 'UsageError']) {
    assert.equal(typeof (lib as Record<string, unknown>)[name], 'function', name);
  }
  for (const name of ['startSimInternet', 'pointAtSim', 'startHostileOrigin', 'sweepSim', 'runDemo']) assert.equal(typeof (simulated as Record<string, unknown>)[name], 'function', name);
  assert.deepEqual(lib.redoList(['timeout,503', 'urlsweep_host_down']), ['timeout', '503', 'URLSWEEP_HOST_DOWN']);
  assert.throws(() => lib.redoList(['invalid_url']), lib.UsageError);
  assert.deepEqual(
    lib.resolveTimeouts({ timeoutMs: 5_000, headersTimeoutMs: 9_000 }, { timeoutMs: 30_000, connectTimeoutMs: 10_000, headersTimeoutMs: 15_000, bodyTimeoutMs: 15_000 }),
    { timeoutMs: 5_000, connectTimeoutMs: 10_000, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
    'no stage outlasts the total',
  );

  const temp = tempDir();
  const sim = await simulated.startSimInternet();
  try {
    const list = join(temp.dir, 'urls.txt');
    writeFileSync(list, 'http://fine-lib.test/\nhttp://notfound-lib.test/\n');
    const options = simulated.pointAtSim({ ...lib.defaultOptions(), inputs: [list], db: join(temp.dir, 'lib.db'), method: 'GET', storeBodies: true }, sim);
    const summary = await lib.runSweep(options);
    assert.equal(summary.total, 2);
    const report = lib.readReport(options.db);
    assert.deepEqual(report.statusCodes.map((s) => s.key).sort(), [200, 404]);
    // The stored body, as a script would get it: the one whose hash the row holds.
    const body = new PassThrough();
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer) => chunks.push(c));
    await lib.writeStoredBody({ db: options.db, line: 1, raw: false }, body);
    const hash = new PassThrough();
    let row = '';
    hash.on('data', (c: Buffer) => (row += c));
    await lib.runQuery({ db: options.db, sql: 'SELECT body_sha256 FROM results WHERE line = 1', format: 'ndjson', width: 80 }, hash);
    assert.ok(chunks.length > 0, 'a body');
    assert.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), (JSON.parse(row) as { body_sha256: string }).body_sha256);
  } finally {
    await sim.close();
    temp.remove();
  }
});

test('urlsweep/sim: a sweep of the simulated internet on its own thread, and the demo, as library calls', async () => {
  const lib = await import('urlsweep');
  const simulated = await import('urlsweep/sim');
  const temp = tempDir();
  try {
    const list = join(temp.dir, 'urls.txt');
    writeFileSync(list, 'https://fine-simlib.test/\nhttp://nxdomain-simlib.test/\n');
    const notices: string[] = [];
    const summary = await simulated.sweepSim({ ...lib.defaultOptions(), ...simulated.SIM_TIMEOUTS, inputs: [list], db: join(temp.dir, 'sim.db') }, { notice: (t) => notices.push(t) });
    assert.deepEqual(summary.byOutcome, { response: 1, dns_error: 1 });
    assert.match(notices[0]!, /^Simulated internet on loopback: DNS 127\.0\.0\.1:\d+, HTTP :\d+, HTTPS :\d+$/);

    const db = join(temp.dir, 'demo.db');
    const demo = await simulated.runDemo({ db, urls: 300, hosts: 100, concurrency: 64 }, { notice: (t) => notices.push(t) });
    assert.equal(demo.total, 300);
    assert.ok(notices.includes('Generating 300 URLs over 100 simulated hosts (healthy, slow, dead, unresolvable, redirecting, failing)...'), notices.join('\n'));
    for (const [title, sql] of simulated.DEMO_QUERIES) {
      const out = new PassThrough();
      out.resume();
      assert.ok((await lib.runQuery({ db, sql, format: 'ndjson', width: 80 }, out)) > 0, title);
    }
  } finally {
    temp.remove();
  }
});
