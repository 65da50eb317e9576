// Hostile and broken servers: what a careful client records for each (src/sim/hostileOrigin.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../src/sim/index.js';
import { Codes } from '../src/outcome.js';
import { sweepLines, tempDir, type SweepResult, type Row } from './support/simSweep.js';

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

function row(result: SweepResult, url: string): Row {
  const found = result.byUrl.get(url);
  assert.ok(found, `no row for ${url}`);
  return found;
}

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
