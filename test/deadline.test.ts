// The total --timeout holds on a host's first request as on its thousandth: through a name still to be
// resolved as through an IP, while a body trickles, while headers trickle, while a TLS handshake stalls.
// Every other timeout is set far beyond the total one, so only the total deadline can end these URLs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../src/sim/index.js';
import { Codes } from '../src/outcome.js';
import { sweepLines, tempDir, type Row } from './support/simSweep.js';

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
  // Each name is new to the sweep: its first request waits for the simulated DNS first.
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
    const row: Row | undefined = result.byUrl.get(url);
    assert.ok(row, `no row for ${url}`);
    assert.equal(row.outcome, outcome, `${url}: ${row.error_code} ${row.error_message}`);
    assert.equal(row.error_code, code, url);
    assert.ok(row.elapsed_ms! >= TIMEOUT_MS - 1 && row.elapsed_ms! <= TIMEOUT_MS + LATE_MS, `${url} ended after ${row.elapsed_ms} ms`);
  }
});
