// --concurrency against the open-file limit: a sweep that would run out of descriptors runs at a
// concurrency that fits and says so, instead of failing URLs with EMFILE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { descriptorsNeeded, fitOpenFiles } from '../../src/options/openFiles.js';
import { urlsweep } from '../support/cli.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';

const web = useSimulatedWeb();

test('a limit that fits leaves the concurrency alone', () => {
  assert.deepEqual(fitOpenFiles(512, 2, { soft: 20_000 }), { concurrency: 512, note: null });
  assert.deepEqual(fitOpenFiles(512, 2, null), { concurrency: 512, note: null });
});

test('a limit too low lowers the concurrency to what fits, with a note saying how to raise it', () => {
  const fit = fitOpenFiles(10_000, 2, { soft: 1024 });
  assert.ok(descriptorsNeeded(fit.concurrency, 2) <= 1024);
  assert.ok(descriptorsNeeded(Math.ceil(fit.concurrency / 0.9) + 1, 2) > 1024, 'not lowered further than needed');
  assert.match(fit.note!, /open-file limit \(1024\) is too low for --concurrency 10000 .* running at --concurrency \d+\. Raise the hard limit/);
});

const hasPrlimit = ((): boolean => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('under a hard limit of 300 files, -c 1000 over 600 hosts finishes every URL without EMFILE', { skip: !hasPrlimit && 'no prlimit' }, async () => {
  const list = join(web.dir, 'hosts.txt');
  writeFileSync(list, Array.from({ length: 600 }, (_, i) => `http://fine-fd-${i}.test:${web.sim.httpPort}/`).join('\n'));
  const db = join(web.dir, 'fd.db');
  const run = await urlsweep(['run', list, '--db', db, '-c', '1000', '--resolver', web.sim.resolver, '--progress', 'none'], {
    cwd: web.dir,
    // prlimit runs the binary with both limits at 300 (Node can raise the soft limit only up to the hard one).
    wrap: ['prlimit', '--nofile=300:300', '--'],
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /open-file limit \(300\) is too low for --concurrency 1000/);
  const d = new Database(db, { readonly: true });
  const outcomes = d.prepare('SELECT outcome, count(*) AS n FROM results GROUP BY outcome').all();
  d.close();
  assert.deepEqual(outcomes, [{ outcome: 'response', n: 600 }]);
});
