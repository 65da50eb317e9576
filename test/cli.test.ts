// The real binary, as a user runs it: exit codes, what it prints, and what lands in the database.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDb, tempDir } from './support/simSweep.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist/src/cli.js');
const SAMPLE = join(root, 'samples/sample.txt');
const temp = tempDir();
after(() => temp.remove());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function urlsweep(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: temp.dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function countRows(db: string): number {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return (conn.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
  } catch {
    return 0; // not created yet
  } finally {
    conn.close();
  }
}

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
    assert.match(run.stdout, /sqlite3 .*sample\.db/);
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
    const events = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; total?: number });
    assert.equal(events.at(-1)!.event, 'summary');
    assert.equal(events.at(-1)!.total, 1);
  });
});

describe('resume', () => {
  test('after kill -9, running the same command again finishes with one row per line', async () => {
    const list = join(temp.dir, 'resume.txt');
    const lines = Array.from({ length: 3000 }, (_, i) => `http://slow-resume-${i % 50}.test/${i}?delay=20`);
    writeFileSync(list, lines.join('\n') + '\n');
    const db = join(temp.dir, 'resume.db');
    const args = ['run', list, '--sim', '--db', db, '-c', '16', ...FAST];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: temp.dir, stdio: 'ignore' });
    // Kill once some rows are committed, well before the end.
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const recorded = existsSync(db) ? countRows(db) : 0;
      if (recorded >= 200) break;
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    const before = countRows(db);
    assert.ok(before > 0 && before < lines.length, `killed midway (${before} rows)`);
    const rerun = await urlsweep([...args, '--progress', 'log']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /Resuming: [\d,]+ lines already recorded/);
    const { rows } = readDb(db);
    assert.deepEqual(rows.map((r) => r.line), lines.map((_, i) => i + 1));
    assert.ok(rows.every((r) => r.status === 200));
  });
});

describe('usage errors', () => {
  test('--help lists the options and examples', async () => {
    const run = await urlsweep(['run', '--help']);
    assert.equal(run.code, 0);
    for (const option of ['--db', '--concurrency', '--per-host', '--timeout', '--resolver', '--progress', 'Examples:']) {
      assert.ok(run.stdout.includes(option), `help mentions ${option}`);
    }
  });

  test('a bad duration, an unknown option and a missing input exit 2 with a message', async () => {
    const bad = await urlsweep(['run', 'x.txt', '--timeout', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a duration: "soon"/);
    const unknown = await urlsweep(['run', 'x.txt', '--bogus']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown argument/);
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
