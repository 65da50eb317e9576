// Crash safety: kill -9, Ctrl-C, SIGTERM, a changed input, a crashed worker, a database in use.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countRows, finished, start, urlsweep, waitFor } from '../support/cli.js';
import { readDb, tempDir } from '../support/simSweep.js';
import { seededRandom } from '../../src/util/seededRandom.js';
import { GRACE_MS } from '../../src/sweep/sweep.js';
import { FLUSH_ROWS } from '../../src/store/batchWriter.js';

const temp = tempDir();
after(() => temp.remove());

/** A loopback origin that answers after `delayMs` and counts the requests for each path. */
async function countingOrigin(delayMs: number): Promise<{ url(path: string): string; hits: Map<string, number>; close(): void; server: Server }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    setTimeout(() => res.end('ok'), delayMs);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    hits,
    server,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

function committedLines(db: string): Set<number> {
  const conn = new Database(db, { readonly: true });
  try {
    return new Set(conn.prepare('SELECT line FROM results').pluck().all() as number[]);
  } finally {
    conn.close();
  }
}

function runState(db: string): string {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare('SELECT state FROM runs ORDER BY id DESC LIMIT 1').pluck().get() as string;
  } finally {
    conn.close();
  }
}

const CONCURRENCY = 64;

describe('kill -9 at random moments', () => {
  let origin: Awaited<ReturnType<typeof countingOrigin>>;
  before(async () => {
    origin = await countingOrigin(2);
  });
  after(() => origin.close());

  test('rerunning until done leaves one row per line, no duplicates, and redoes only unsaved work', async (t) => {
    const total = Number(process.env.URLSWEEP_KILL_TEST_URLS ?? 200_000);
    // When to kill is drawn from a seed, said first, so a failing run's choices can be drawn again (where
    // the kill lands in the work still depends on the machine's speed).
    const seed = Number(process.env.URLSWEEP_KILL_TEST_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`kill test seed ${seed} (URLSWEEP_KILL_TEST_SEED)`);
    const random = seededRandom(seed);
    const list = join(temp.dir, 'kill.txt');
    writeFileSync(list, Array.from({ length: total }, (_, i) => origin.url(`/${i + 1}`)).join('\n') + '\n');
    const db = join(temp.dir, 'kill.db');
    const args = ['run', list, '--db', db, '-c', String(CONCURRENCY), '--per-host', String(CONCURRENCY), '--progress', 'none'];
    const redonePerKill: number[] = [];
    let kills = 0;
    while (kills < 5) {
      const before = existsSync(db) ? committedLines(db) : new Set<number>();
      const hitsBefore = new Map(origin.hits);
      const child = start(args, { cwd: temp.dir });
      const done = finished(child);
      // Let it make some progress, then kill it at a random moment.
      const target = before.size + 2_000 + Math.floor(random() * 20_000);
      let exited = false;
      void done.then(() => (exited = true));
      await waitFor(() => exited || countRows(db) >= target, 60_000, `${target} rows`);
      if (exited) break; // finished before we got to kill it
      await new Promise((r) => setTimeout(r, random() * 300));
      child.kill('SIGKILL');
      await done;
      kills++;
      const saved = committedLines(db);
      // Nothing saved before this run was requested again by it.
      for (const line of before) assert.equal(origin.hits.get(`/${line}`), hitsBefore.get(`/${line}`), `line ${line} was redone`);
      if (kills > 1) redonePerKill.push(redoneSince(hitsBefore));
      assert.ok(saved.size > before.size, 'each run saved progress');
    }
    const hitsBeforeLast = new Map(origin.hits);
    const last = await urlsweep(args, { cwd: temp.dir });
    assert.equal(last.code, 0, last.stderr);
    redonePerKill.push(redoneSince(hitsBeforeLast));
    assert.ok(kills >= 5, `killed ${kills} times`);

    const { rows } = readDb(db);
    assert.equal(rows.length, total, 'one row per input line');
    assert.deepEqual(rows.map((r) => r.line), Array.from({ length: total }, (_, i) => i + 1), 'no gaps, no duplicates');
    assert.ok(rows.every((r) => r.status === 200));
    for (let i = 1; i <= total; i++) assert.ok(origin.hits.get(`/${i}`)! >= 1, `line ${i} requested`);
    // A restart redoes what was in flight or answered but not yet committed (at most one batch interval).
    for (const redone of redonePerKill) assert.ok(redone <= CONCURRENCY + FLUSH_ROWS, `redone ${redone} URLs after a kill`);
    process.stderr.write(`# kill test: ${total} URLs, seed ${seed}, ${kills} kills, URLs redone per restart: ${redonePerKill.join(', ')}\n`);

    /** Requests made again, since the snapshot, for paths that had been requested before it. */
    function redoneSince(snapshot: Map<string, number>): number {
      let n = 0;
      for (const [path, before] of snapshot) n += (origin.hits.get(path) ?? 0) - before;
      return n;
    }
  });
});

describe('signals', () => {
  let origin: Awaited<ReturnType<typeof countingOrigin>>;
  before(async () => {
    origin = await countingOrigin(200);
  });
  after(() => origin.close());

  function slowList(name: string, count: number): string {
    const list = join(temp.dir, `${name}.txt`);
    writeFileSync(list, Array.from({ length: count }, (_, i) => origin.url(`/${name}/${i}`)).join('\n') + '\n');
    return list;
  }

  test('Ctrl-C finishes what is in flight, saves, says how to resume and exits 130; rerun completes', async () => {
    const list = slowList('sigint', 2000);
    const db = join(temp.dir, 'sigint.db');
    const args = ['run', list, '--db', db, '-c', '20', '--per-host', '20', '--progress', 'none'];
    const child = start(args, { cwd: temp.dir });
    await waitFor(() => countRows(db) >= 100, 20_000, 'first rows');
    const hitsAtSignal = origin.hits.size;
    child.kill('SIGINT');
    const run = await finished(child);
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /SIGINT: finishing the requests in flight/);
    assert.match(run.stderr, /To resume: urlsweep run .*sigint\.txt --db .*sigint\.db/);
    assert.match(run.stdout, /Interrupted \(SIGINT\)/);
    assert.equal(runState(db), 'interrupted');
    // Every request that was started got its answer recorded: nothing in flight was thrown away.
    assert.equal(countRows(db), origin.hits.size, 'rows for every request made');
    // No new URL after the signal: what started meanwhile is what the signal's delivery let through (a round
    // or two of 20 at 200 ms), not the ~500 more the 5 s grace would allow if reading went on.
    assert.ok(origin.hits.size < hitsAtSignal + 3 * 20, `reading stopped at the signal: ${origin.hits.size - hitsAtSignal} more`);
    const rerun = await urlsweep(args, { cwd: temp.dir });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(readDb(db).rows.length, 2000);
  });

  test('a second Ctrl-C stops at once, still saving what was done', async () => {
    const list = join(temp.dir, 'hang.txt');
    // One path answers, the rest hang: in flight forever unless abandoned.
    const hang = await new Promise<Server>((resolve) => {
      const server = createServer((req, res) => {
        if (req.url === '/0') res.end('ok');
      });
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const port = (hang.address() as AddressInfo).port;
    writeFileSync(list, Array.from({ length: 50 }, (_, i) => `http://127.0.0.1:${port}/${i}`).join('\n') + '\n');
    const db = join(temp.dir, 'hang.db');
    const child = start(['run', list, '--db', db, '-c', '50', '--per-host', '50', '--timeout', '60s', '--headers-timeout', '60s', '--progress', 'none'], { cwd: temp.dir });
    await waitFor(() => countRows(db) >= 1, 20_000, 'the one answer');
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    child.kill('SIGINT');
    const run = await finished(child);
    hang.closeAllConnections();
    hang.close();
    assert.equal(run.code, 130, run.stderr);
    // Without the second signal, the requests in flight would be waited for until the grace ends.
    assert.ok(Date.now() - started < GRACE_MS - 1000, `stopped after ${Date.now() - started} ms, not at the end of the ${GRACE_MS} ms grace`);
    assert.match(run.stderr, /stopping now/);
    assert.deepEqual([...committedLines(db)], [1]);
  });

  test('Ctrl-C works while the input stalls (a pipe with no data yet)', async () => {
    const db = join(temp.dir, 'stall.db');
    const child = start(['run', '-', '--db', db, '--progress', 'none'], { cwd: temp.dir });
    child.stdin!.write(`${origin.url('/stall/1')}\n`); // one line, then nothing: stdin stays open
    await waitFor(() => countRows(db) >= 1, 20_000, 'the first line');
    child.kill('SIGINT');
    // Waiting for more input would wait forever (stdin stays open): a bound that only a hang can reach.
    const run = await Promise.race([
      finished(child),
      new Promise<never>((_, reject) =>
        setTimeout(() => {
          child.kill('SIGKILL'); // or its open stdin would keep the test file, and the suite, waiting too
          reject(new Error('still waiting for input 20 s after SIGINT'));
        }, 20_000).unref(),
      ),
    ]);
    assert.equal(run.code, 130, run.stderr);
  });

  test('SIGTERM behaves as Ctrl-C and exits 143', async () => {
    const list = slowList('sigterm', 500);
    const db = join(temp.dir, 'sigterm.db');
    const child = start(['run', list, '--db', db, '-c', '10', '--per-host', '10', '--progress', 'none'], { cwd: temp.dir });
    await waitFor(() => countRows(db) >= 20, 20_000, 'first rows');
    child.kill('SIGTERM');
    const run = await finished(child);
    assert.equal(run.code, 143, run.stderr);
    assert.equal(runState(db), 'interrupted');
  });
});

describe('inputs, workers and databases', () => {
  test('a changed input is refused, naming what changed and --fresh', async () => {
    const list = join(temp.dir, 'changed.txt');
    writeFileSync(list, 'not a url\nnot one either\n');
    const db = join(temp.dir, 'changed.db');
    assert.equal((await urlsweep(['run', list, '--db', db, '--progress', 'none'], { cwd: temp.dir })).code, 0);
    writeFileSync(list, 'not a url\nnot one eithex\n'); // same size, other content
    const run = await urlsweep(['run', list, '--db', db, '--progress', 'none'], { cwd: temp.dir });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /changed content.*--fresh/);
  });

  test('a worker that dies is replaced, its URLs are sent again, and the run says so', async () => {
    const origin = await countingOrigin(5);
    try {
      const list = join(temp.dir, 'crash.txt');
      const lines = Array.from({ length: 400 }, (_, i) => origin.url(`/${i}`));
      writeFileSync(list, lines.join('\n') + '\n');
      const db = join(temp.dir, 'crash.db');
      const marker = join(temp.dir, 'crashed');
      const run = await urlsweep(['run', list, '--db', db, '-c', '8', '--progress', 'none'], {
        cwd: temp.dir,
        env: { URLSWEEP_TEST_CRASH_LINE: '200', URLSWEEP_TEST_CRASH_MARKER: marker },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(existsSync(marker), 'the test hook crashed a worker');
      assert.match(run.stdout, /1 worker thread\(s\) died and were replaced/);
      const { rows } = readDb(db);
      assert.equal(rows.length, 400);
      assert.ok(rows.every((r) => r.status === 200));
    } finally {
      origin.close();
    }
  });

  test('a database being written by another urlsweep is refused', async () => {
    const origin = await countingOrigin(300);
    try {
      const list = join(temp.dir, 'busy.txt');
      writeFileSync(list, Array.from({ length: 200 }, (_, i) => origin.url(`/${i}`)).join('\n') + '\n');
      const db = join(temp.dir, 'busy.db');
      const first = start(['run', list, '--db', db, '-c', '4', '--progress', 'none'], { cwd: temp.dir });
      await waitFor(() => countRows(db) >= 1, 20_000, 'the first run to start');
      const second = await urlsweep(['run', list, '--db', db, '--progress', 'none'], { cwd: temp.dir });
      assert.equal(second.code, 1);
      assert.match(second.stderr, /being written by another urlsweep \(pid \d+\)/);
      first.kill('SIGKILL');
      await finished(first);
    } finally {
      origin.close();
    }
  });

  describe('on a small filesystem of its own', () => {
    const mountPoint = join(temp.dir, 'fs');
    let mounted = false;
    before(() => {
      mkdirSync(mountPoint);
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'ignore' });
        mounted = true;
      } catch {
        // Not root, or no mount in this sandbox: the tests below skip.
      }
    });
    after(() => {
      if (mounted) execFileSync('umount', [mountPoint]);
    });

    test('a full disk ends the run with a clear message, exit 1, committed rows intact', async (t) => {
      if (!mounted) return t.skip('cannot mount a tmpfs here');
      const list = join(temp.dir, 'full.txt');
      // Invalid lines need no network and still make rows: enough of them overflow 4 MiB.
      writeFileSync(list, Array.from({ length: 100_000 }, (_, i) => `not a url, just text number ${i} ${'x'.repeat(20)}`).join('\n') + '\n');
      const db = join(mountPoint, 'full.db');
      const run = await urlsweep(['run', list, '--db', db, '--progress', 'none'], { cwd: temp.dir });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /disk is full/);
      assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
      const saved = readDb(db).rows;
      assert.ok(saved.length > 0 && saved.length < 100_000, `${saved.length} rows kept`);
      assert.deepEqual(saved.map((r) => r.line), saved.map((_, i) => i + 1), 'the kept rows are a clean prefix');
    });

    test('a read-only filesystem is a clear error, exit 1', async (t) => {
      if (!mounted) return t.skip('cannot mount a tmpfs here');
      const list = join(temp.dir, 'ro.txt');
      writeFileSync(list, 'not a url\n');
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
      try {
        const run = await urlsweep(['run', list, '--db', join(mountPoint, 'ro.db'), '--progress', 'none'], { cwd: temp.dir });
        assert.equal(run.code, 1, run.stderr);
        assert.match(run.stderr, /read-only|cannot be opened/);
        assert.doesNotMatch(run.stderr, /at .*\.js:\d+/, 'no stack trace');
      } finally {
        execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
      }
    });
  });
});

