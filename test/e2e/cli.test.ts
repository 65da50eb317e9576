// The real binary, as a user runs it: exit codes, what it prints, and what lands in the database.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROOT, urlsweep as run } from '../support/cli.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readDb, tempDir } from '../support/simSweep.js';

const SAMPLE = join(ROOT, 'samples/sample.txt');
const temp = tempDir();
after(() => temp.remove());
const urlsweep = (args: string[], stdin?: string) => run(args, { cwd: temp.dir, stdin });

/** Short timeouts so the sample's dead hosts end quickly. */
const FAST = ['--timeout', '4s', '--connect-timeout', '1s', '--headers-timeout', '1s', '--body-timeout', '1s', '--progress', 'none'];

describe('urlsweep run', () => {
  test('sweeps the shipped sample against the simulated internet and prints a summary', async () => {
    const db = join(temp.dir, 'sample.db');
    const run = await urlsweep(['run', SAMPLE, '--sim', '--db', db, ...FAST]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Recorded \d+ results/);
    assert.match(run.stdout, /response\s+\d+/);
    assert.match(run.stdout, /latency\s+p50 .* p90 .* p99/);
    assert.match(run.stdout, /^hosts\s+\d+ swept; \d+ down \(\d+ URLs not tried\); \d+ pushed back \(\d+ answers of 429\/503\)$/m);
    assert.match(run.stdout, /^ {2}most requests {2}\S+ \d+/m);
    assert.match(run.stdout, /^ {2}pushed back {4}.*ratelimit\.test \(1\)/m);
    assert.match(run.stdout, /urlsweep query .*sample\.db "SELECT \* FROM hosts/);
    const { rows } = readDb(db);
    const lines = readFileSync(SAMPLE, 'utf8').split('\n');
    const expected = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
    assert.equal(rows.length, expected);
    const outcomes = new Set<string>(rows.map((r) => r.outcome));
    for (const o of ['response', 'invalid_url', 'dns_error', 'connect_refused', 'tls_error', 'timeout', 'protocol_error', 'too_many_redirects']) {
      assert.ok(outcomes.has(o), `sample shows ${o}`);
    }
  });

  test('reads stdin (-) and gzip files, numbering lines across inputs', async () => {
    const gz = join(temp.dir, 'more.txt.gz');
    writeFileSync(gz, gzipSync('https://fine-gz.test/\nnot-a-url\n'));
    const db = join(temp.dir, 'stdin.db');
    const run = await urlsweep(['run', '-', gz, '--sim', '--db', db, ...FAST], 'https://fine-stdin.test/\n# comment\n');
    assert.equal(run.code, 0, run.stderr);
    const { rows } = readDb(db);
    assert.deepEqual(
      rows.map((r) => [r.line, r.url, r.outcome]),
      [
        [1, 'https://fine-stdin.test/', 'response'],
        [3, 'https://fine-gz.test/', 'response'],
        [4, 'not-a-url', 'invalid_url'],
      ],
    );
  });

  test('refuses a different input on an existing database, naming --fresh', async () => {
    const a = join(temp.dir, 'a.txt');
    const b = join(temp.dir, 'b.txt');
    writeFileSync(a, 'not a url\n');
    writeFileSync(b, 'also not a url\n');
    const db = join(temp.dir, 'refuse.db');
    assert.equal((await urlsweep(['run', a, '--db', db, ...FAST])).code, 0);
    const refused = await urlsweep(['run', b, '--db', db, ...FAST]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /other input.*--fresh/);
    assert.doesNotMatch(refused.stderr, /at .*\.js:\d+/, 'no stack trace');
    const fresh = await urlsweep(['run', b, '--db', db, '--fresh', ...FAST]);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.deepEqual(readDb(db).rows.map((r) => r.url), ['also not a url']);
  });

  test("--shard: a share's database refuses another share, a bad I/N is a usage error, and merge makes the shares one", async () => {
    const list = join(temp.dir, 'shards.txt');
    writeFileSync(list, 'not a url\nnor this\n');
    const db = join(temp.dir, 'share-0.db');
    const first = await urlsweep(['run', list, '--db', db, '--shard', '0/2', ...FAST]);
    assert.equal(first.code, 0, first.stderr);
    // Line 1 (no host) is the first share's; line 2 the second's.
    assert.deepEqual(readDb(db).rows.map((r) => r.line), [1]);
    const other = await urlsweep(['run', list, '--db', db, '--shard', '1/2', ...FAST]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /holds a sweep of shard 0\/2 of this input; this run is of shard 1\/2: each shard needs a database of its own/);
    const bad = await urlsweep(['run', list, '--db', db, '--shard', '2/2', ...FAST]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shard 2\/2: I runs from 0 to N-1 \(0 to 1\)/);
    // The shares merged: one row per line again.
    const out = join(temp.dir, 'shards-merged.db');
    const missing = await urlsweep(['merge', out, db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /shares missing: 1\/2 \(--partial merges those given\)/);
    const second = join(temp.dir, 'share-1.db');
    assert.equal((await urlsweep(['run', list, '--db', second, '--shard', '1/2', ...FAST])).code, 0);
    const merged = await urlsweep(['merge', out, second, db]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /^Merged 2 shares \(0\/2, 1\/2\): 2 rows into .*shards-merged\.db\n$/);
    assert.deepEqual(readDb(out).rows.map((r) => [r.line, r.url]), [[1, 'not a url'], [2, 'nor this']]);
  });

  test('running a finished sweep again does nothing and says so', async () => {
    const list = join(temp.dir, 'done.txt');
    writeFileSync(list, 'not a url\n');
    const db = join(temp.dir, 'done.db');
    assert.equal((await urlsweep(['run', list, '--db', db, ...FAST])).code, 0);
    const again = await urlsweep(['run', list, '--db', db, ...FAST]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already complete/);
  });

  test('--progress json writes NDJSON events ending with the summary', async () => {
    const list = join(temp.dir, 'json.txt');
    writeFileSync(list, 'https://fine-json.test/\n');
    const run = await urlsweep(['run', list, '--sim', '--db', join(temp.dir, 'json.db'), ...FAST, '--progress', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    // Every line, the simulated internet's address too, is an event a program can parse.
    assert.deepEqual(lines.filter((l) => !l.startsWith('{')), []);
    const events = lines.map((l) => JSON.parse(l) as { event: string; total?: number; rows?: number; indexMs?: number });
    assert.equal(events.at(-1)!.event, 'summary');
    assert.equal(events.at(-1)!.total, 1);
    // Building the indexes is said before it starts (minutes on 100M rows), and timed in the summary.
    assert.deepEqual(events.at(-2), { event: 'indexing', rows: 1 });
    assert.equal(typeof events.at(-1)!.indexMs, 'number');
  });
});

describe('usage errors', () => {
  test('--help lists the options and examples', async () => {
    const run = await urlsweep(['run', '--help']);
    assert.equal(run.code, 0);
    for (const option of ['--db', '--concurrency', '--per-host', '--host-rate', '--rate', '--host-errors', '--redo', '--timeout', '--resolver', '--progress', 'Examples:']) {
      assert.ok(run.stdout.includes(option), `help mentions ${option}`);
    }
  });

  test('a bad duration, an unknown option and a missing input exit 2 with a message', async () => {
    const bad = await urlsweep(['run', 'x.txt', '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a duration: "soon"/);
    const rate = await urlsweep(['run', 'x.txt', '--host-rate', 'fast']);
    assert.equal(rate.code, 2);
    assert.match(rate.stderr, /not a rate: "fast" \(examples: 5\/s, 30\/m/);
    const redo = await urlsweep(['run', 'x.txt', '--redo', 'time out']);
    assert.equal(redo.code, 2);
    assert.match(redo.stderr, /--redo wants outcomes/);
    const unknown = await urlsweep(['run', 'x.txt', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown argument/);
    const socks = await urlsweep(['run', 'x.txt', '--proxy', 'socks5://127.0.0.1:1080']);
    assert.equal(socks.code, 2);
    assert.match(socks.stderr, /--proxy: socks5 proxies are not supported/);
    const envProxy = await run(['run', 'x.txt'], { cwd: temp.dir, env: { https_proxy: 'http://127.0.0.1:3128/path' } });
    assert.equal(envProxy.code, 2);
    assert.match(envProxy.stderr, /https_proxy: a proxy URL has no path, query or fragment/);
    const missing = await urlsweep(['run', join(temp.dir, 'missing.txt')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read input .*missing\.txt: ENOENT/);
  });

  test('a database path that cannot be opened is a clear error, exit 1', async () => {
    const list = join(temp.dir, 'l.txt');
    writeFileSync(list, 'not a url\n');
    const run = await urlsweep(['run', list, '--db', join(temp.dir, 'no/such/dir/x.db')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot be opened/);
  });
});
