// Hostile and broken servers: what a careful client records for each (src/sim/hostileOrigin.ts). First, the
// total --timeout holds on a host's first request as on its thousandth: through a name still to be
// resolved as through an IP, while a body trickles, while headers trickle, while a TLS handshake stalls.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../src/sim/index.js';
import { Codes } from '../src/outcome.js';
import { row, sweepLines, tempDir } from './support/simSweep.js';

const TIMEOUT_MS = 2_000;
/** A row may end this much after the deadline: the timer's own lateness on a busy machine, and recording. */
const LATE_MS = 1_000;

let sim: SimInternet;
let hostile: HostileOrigin;
const temp = tempDir();
before(async () => {
  sim = await startSimInternet();
  hostile = await startHostileOrigin();
});
after(async () => {
  await hostile.close();
  await sim.close();
  temp.remove();
});

test('the total timeout ends every stage, through a name as through an IP', { timeout: 60_000 }, async () => {
  const p = hostile.port;
  // Each name is new to the sweep: its first request waits for the simulated DNS first. Every other
  // timeout is set far beyond the total one, so only the total deadline can end these URLs.
  const cases: Array<[url: string, outcome: string, code: string]> = [
    [`http://fine-trickle.test:${p}/trickle`, 'timeout', Codes.deadline],
    [`http://127.0.0.1:${p}/trickle`, 'timeout', Codes.deadline],
    [`http://fine-slowheaders.test:${p}/slowheaders`, 'timeout', Codes.deadline],
    [`http://127.0.0.1:${p}/slowheaders?ip`, 'timeout', Codes.deadline],
    [`https://fine-tlsstall.test:${p}/`, 'connect_timeout', Codes.connectDeadline],
    [`https://127.0.0.1:${p}/`, 'connect_timeout', Codes.connectDeadline],
  ];
  const result = await sweepLines(
    sim,
    temp.dir,
    cases.map(([url]) => url),
    { method: 'GET', timeoutMs: TIMEOUT_MS, connectTimeoutMs: 30_000, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, retries: 0 },
  );
  for (const [url, outcome, code] of cases) {
    const r = row(result, url);
    assert.equal(r.outcome, outcome, `${url}: ${r.error_code} ${r.error_message}`);
    assert.equal(r.error_code, code, url);
    assert.ok(r.elapsed_ms! >= TIMEOUT_MS - 1 && r.elapsed_ms! <= TIMEOUT_MS + LATE_MS, `${url} ended after ${r.elapsed_ms} ms`);
  }
});

for (const method of ['HEAD', 'GET'] as const) {
  test(`${method}: an interim 103 answer's headers never become the final answer's`, async () => {
    const url = `http://127.0.0.1:${hostile.port}/early`;
    const result = await sweepLines(sim, temp.dir, [url], { method, db: `${temp.dir}/early-${method}.db` });
    const r = row(result, url);
    assert.equal(r.outcome, 'response', `${r.error_code} ${r.error_message}`);
    // The final 301 has no Location to follow and no Content-Type; the 103 before it had both.
    assert.equal(r.status, 301);
    assert.equal(r.content_type, null);
    assert.equal(r.redirects, 0);
    assert.equal(r.final_url, url);
  });
}

test('a status line outside 100-999 is a protocol error with a code of its own, not an internal one', async () => {
  const urls = ['status042', 'status000'].map((b) => `http://127.0.0.1:${hostile.port}/${b}`);
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/status.db`, retries: 0 });
  for (const url of urls) {
    const r = row(result, url);
    assert.equal(r.outcome, 'protocol_error', url);
    assert.equal(r.error_code, Codes.badStatus, `${url}: ${r.error_message}`);
    assert.match(r.error_message!, /status \d+ is not an HTTP status/);
  }
});

test('a host that accepts and never answers is down after --host-errors timeouts in a row, not one --timeout per URL', { timeout: 60_000 }, async () => {
  // Twenty URLs of one silent host, two at a time: one --timeout after another would take 10 s.
  const urls = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1:${hostile.port}/silent?${i}`);
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/silent.db`, perHost: 2, hostErrors: 4, timeoutMs: 1_000, retries: 0, threads: 1 });
  const timedOut = result.rows.filter((r) => r.error_code === Codes.deadline);
  const untried = result.rows.filter((r) => r.error_code === Codes.hostDown);
  assert.equal(result.rows.length, 20);
  assert.ok(timedOut.length >= 4 && timedOut.length <= 5, `${timedOut.length} URLs timed out (4, and one more in flight at most)`);
  assert.equal(untried.length, 20 - timedOut.length);
  for (const r of untried) {
    assert.equal(r.outcome, 'timeout');
    assert.equal(r.attempts, 0);
    assert.match(r.error_message!, /^not tried: host down after 4 failures in a row with no answer \(4 URLs of this host failed first; last: timeout URLSWEEP_DEADLINE\)/);
  }
});

test('headers up to what browsers accept are read (a 40 KB cookie flood); an endless header block is cut off', async () => {
  const cookies = `http://127.0.0.1:${hostile.port}/cookies`;
  const flood = `http://127.0.0.1:${hostile.port}/headerflood`;
  const result = await sweepLines(sim, temp.dir, [cookies, flood], { db: `${temp.dir}/headers.db`, retries: 0 });
  const ok = row(result, cookies);
  assert.equal(ok.outcome, 'response', `${ok.error_code} ${ok.error_message}`);
  assert.equal(ok.status, 200);
  const cut = row(result, flood);
  assert.equal(cut.outcome, 'protocol_error');
  assert.equal(cut.error_code, 'UND_ERR_HEADERS_OVERFLOW');
});

test('a host whose bodies run out of time did answer: it is never found down for it', { timeout: 60_000 }, async () => {
  const urls = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${hostile.port}/trickle?${i}`);
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/trickle.db`, method: 'GET', perHost: 2, hostErrors: 3, timeoutMs: 1_000, retries: 0, threads: 1 });
  assert.equal(result.rows.length, 10);
  for (const r of result.rows) assert.equal(r.error_code, Codes.deadline, `${r.url}: ${r.error_message}`);
});

for (const [behaviour, method] of [['strayhead', 'HEAD'], ['lyingkeepalive', 'GET']] as const) {
  test(`${behaviour}: a kept-alive connection the server spoilt fails no URL (once more on a connection of its own)`, async () => {
    // One connection at a time to one host: every URL after the first goes on the spoilt connection.
    const urls = Array.from({ length: 36 }, (_, i) => `http://127.0.0.1:${hostile.port}/${behaviour}?${i}`);
    const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/${behaviour}.db`, method, perHost: 1, retries: 0, threads: 1 });
    assert.equal(result.rows.length, 36);
    const failed = result.rows.filter((r) => r.outcome !== 'response');
    assert.deepEqual(failed.map((r) => `${r.url} ${r.error_code}`), []);
    for (const r of result.rows) assert.equal(r.status, 200);
  });
}
