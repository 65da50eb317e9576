// --shard I/N through the library on the simulated internet: the same list swept whole and in three
// shares into three databases. Together the shares hold exactly the whole sweep's rows, line by line, each
// line once; every host is in one share; lines without a host are shared by number; each share finishes
// (its checkpoint passes the other shares' lines) and resumes as itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sweepLines, type Row } from '../support/simSweep.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';
import { shardOfHost } from '../../src/options/shard.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { simOptions } from '../support/simSweep.js';

const web = useSimulatedWeb();

/** Twenty hosts with three URLs each (answers, 404s, redirects, names that do not resolve), invalid lines, blanks and comments. */
function list(): string[] {
  const lines: string[] = ['# a list', ''];
  for (let h = 0; h < 20; h++) {
    const host = ['fine', 'notfound', 'redirect', 'nxdomain'][h % 4]!;
    for (let u = 0; u < 3; u++) lines.push(`https://${host}-s${h}.test/p${u}`);
    if (h % 5 === 0) lines.push(`not a url ${h}`, `ftp://files-${h}.test/x`);
  }
  return lines;
}

const view = (r: Row) => ({ line: r.line, url: r.url, outcome: r.outcome, status: r.status, error_code: r.error_code, final_url: r.final_url });

test('three shares of a list hold exactly the rows of the whole sweep, each line once, each host in one share', async () => {
  const lines = list();
  const whole = await sweepLines(web.sim, web.dir, lines, { db: join(web.dir, 'whole.db') });
  const shares = [];
  for (let index = 0; index < 3; index++) {
    shares.push(await sweepLines(web.sim, web.dir, lines, { db: join(web.dir, `share-${index}.db`), shard: { index, count: 3 } }));
  }
  const together = shares.flatMap((s) => s.rows).sort((a, b) => a.line - b.line);
  assert.deepEqual(together.map(view), whole.rows.map(view), 'the shares together are the whole sweep');
  for (const [index, share] of shares.entries()) {
    assert.ok(share.rows.length > 0 && share.rows.length < whole.rows.length, `share ${index}: ${share.rows.length} rows`);
    assert.equal(share.summary.total, share.rows.length);
    for (const r of share.rows) {
      if (r.host) assert.equal(shardOfHost(r.host, 3), index, `${r.url} in share ${index}`);
      else assert.equal((r.line - 1) % 3, index, `line ${r.line} (no host) in share ${index}`);
    }
  }
  // Run again, each share is complete as it stands.
  for (const [index] of shares.entries()) {
    const again = await runSweep(simOptions(web.sim, web.dir, { db: join(web.dir, `share-${index}.db`), shard: { index, count: 3 } }));
    assert.equal(again.alreadyComplete, true, `share ${index}`);
  }
});
