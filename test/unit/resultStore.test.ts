// Unit tests for the SQLite result store: schema, batched writes with the checkpoint, resume state, refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ResultRow } from '../../src/messages.js';
import { withStore } from '../support/store.js';
import { ResultStore, type Checkpoint, type Parked } from '../../src/store/resultStore.js';
import { StoreError } from '../../src/result/errors.js';
import type { InputIdentity } from '../../src/input/inputIdentity.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urlsweep-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let dbCount = 0;
function dbPath(): string {
  return path.join(dir, `sweep-${++dbCount}.db`);
}

function row(line: number, over: Partial<ResultRow> = {}): ResultRow {
  return {
    line,
    url: `https://host${line}.example/page?n=${line}`,
    host: `host${line}.example`,
    outcome: 'response',
    status: 200,
    error_code: null,
    error_message: null,
    final_url: `https://host${line}.example/page?n=${line}`,
    redirects: 0,
    method: 'HEAD',
    attempts: 1,
    remote_ip: '192.0.2.10',
    content_type: 'text/html; charset=utf-8',
    content_length: 5120,
    elapsed_ms: 12.75,
    checked_at: 1_700_000_000_000 + line,
    throttled: 0,
    hops: null,
    source: null,
    body_sha256: null,
    title: null,
    headers: null,
    truncated: 0,
    warc_file: null,
    warc_offset: null,
    warc_length: null,
    ...over,
  };
}

function parked(seq: number, line: number, host = `host${line}.example`): Parked {
  return { seq, line, host, url: `https://${host}/page?n=${line}`, source: null };
}

const INPUTS: InputIdentity[] = [
  { path: '/data/urls.txt', size: 12345, fingerprint: 'abc123' },
  { path: '-', size: null, fingerprint: null },
];
const START: Checkpoint = { line: 0, input: 0, offset: 0 };


function count(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('a new database', () => {
  test('gets the tables results, runs, redirect_hops, pending and results_history', () => {
    withStore(dbPath(), (store) => {
      const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      assert.deepEqual(tables, ['about', 'pending', 'redirect_hops', 'results', 'results_history', 'runs']);
    });
  });

  test('a schema 4 database gains source in results, pending and results_history, keeping their rows', () => {
    const file = dbPath();
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], null, [parked(1, 2)]);
    });
    const old = new Database(file);
    for (const table of ['results', 'pending', 'results_history']) old.exec(`ALTER TABLE ${table} DROP COLUMN source`);
    old.pragma('user_version = 4');
    old.close();
    withStore(file, (store) => {
      assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      for (const table of ['results', 'pending', 'results_history']) {
        const names = (store.db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
        assert.equal(names.at(-1), 'source', table);
      }
      assert.deepEqual(store.db.prepare('SELECT line, source FROM results').all(), [{ line: 1, source: null }]);
      assert.deepEqual(store.parked('host2.example', 0, 10), [{ ...parked(1, 2), source: null }]);
    });
  });

  test('a schema 5 database gains the body and WARC columns in results and results_history, keeping its rows', () => {
    const file = dbPath();
    const added = ['body_sha256', 'title', 'headers', 'truncated', 'warc_file', 'warc_offset', 'warc_length'];
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], null);
    });
    const old = new Database(file);
    for (const table of ['results', 'results_history']) for (const column of added) old.exec(`ALTER TABLE ${table} DROP COLUMN ${column}`);
    old.pragma('user_version = 5');
    old.close();
    withStore(file, (store) => {
      assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      for (const table of ['results', 'results_history']) {
        const names = (store.db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
        assert.deepEqual(names.filter((n) => added.includes(n)), added, table);
      }
      assert.deepEqual(store.db.prepare(`SELECT line, status, ${added.join(', ')} FROM results`).all(), [
        { line: 1, status: 200, body_sha256: null, title: null, headers: null, truncated: 0, warc_file: null, warc_offset: null, warc_length: null },
      ]);
    });
  });

  test('gets user_version = SCHEMA_VERSION and WAL journal mode, kept after reopening', () => {
    const file = dbPath();
    withStore(file, (store) => {
      assert.equal(store.db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
    });
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  test('has no previous sweep', () => {
    withStore(dbPath(), (store) => {
      assert.equal(store.previous(), null);
    });
  });

  test('reopening an existing urlsweep database keeps its content', () => {
    const file = dbPath();
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], { line: 1, input: 0, offset: 40 });
    });
    withStore(file, (store) => {
      assert.equal(count(store.db, 'results'), 1);
      assert.deepEqual(store.previous()?.checkpoint, { line: 1, input: 0, offset: 40 });
    });
  });
});

describe('writing a sweep', () => {
  test('every column of a row round-trips', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      const ok = row(1, {
        content_length: 5_000_000_000,
        elapsed_ms: 1234.5,
        source: '{"company":"Ünïcode, \\"Ltd\\"","id":7}',
        body_sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        title: 'Ünïcode — title',
        headers: '{"content-type":"text/html","set-cookie":["a=1","b=2"]}',
        truncated: 1,
        warc_file: 'crawl.warc/crawl-00003.warc.gz',
        warc_offset: 5_000_000_123,
        warc_length: 4321,
      });
      const failed = row(2, {
        url: 'nxdomain.example',
        host: 'nxdomain.example',
        outcome: 'dns_error',
        status: null,
        error_code: 'ENOTFOUND',
        error_message: 'queryA ENOTFOUND nxdomain.example',
        final_url: null,
        method: null,
        attempts: 3,
        remote_ip: null,
        content_type: null,
        content_length: null,
        elapsed_ms: null,
      });
      const invalid = row(3, { url: 'not a url ✗', host: null, outcome: 'invalid_url', status: null, error_code: 'URLSWEEP_INVALID_URL', attempts: 0 });
      store.write([ok, failed, invalid], null);
      const stored = store.db.prepare('SELECT * FROM results ORDER BY line').all();
      const expected = [ok, failed, invalid].map(({ hops: _hops, ...columns }) => columns);
      assert.deepEqual(stored, expected);
    });
  });

  test('hops go to redirect_hops with hop numbers 1..n', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      const hops = [
        { url: 'http://a.example/', status: 301, location: 'https://a.example/' },
        { url: 'https://a.example/', status: 302, location: 'https://www.a.example/' },
        { url: 'https://www.a.example/', status: 308, location: 'https://www.a.example/home' },
      ];
      store.write([row(7, { redirects: 3, hops, final_url: 'https://www.a.example/home' }), row(8)], null);
      const stored = store.db.prepare('SELECT line, hop, url, status, location FROM redirect_hops ORDER BY line, hop').all();
      assert.deepEqual(
        stored,
        hops.map((h, i) => ({ line: 7, hop: i + 1, ...h })),
      );
      assert.equal((store.db.prepare('SELECT redirects FROM results WHERE line = 7').pluck().get() as number), 3);
    });
  });

  test('the checkpoint is written with the rows', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, { method: 'HEAD' }, '0.0.1', START);
      store.write([row(1), row(2), row(3)], { line: 3, input: 1, offset: 99 });
      assert.deepEqual(store.previous()?.checkpoint, { line: 3, input: 1, offset: 99 });
      store.write([row(4)], null);
      assert.deepEqual(store.previous()?.checkpoint, { line: 3, input: 1, offset: 99 }, 'no checkpoint leaves it as it was');
      assert.equal(count(store.db, 'results'), 4);
    });
  });

  test('rows and checkpoint share one transaction: a failing row keeps both out', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], { line: 1, input: 0, offset: 10 });
      const broken = row(3, { url: null as unknown as string }); // violates NOT NULL
      assert.throws(() => store.write([row(2), broken], { line: 3, input: 0, offset: 30 }));
      assert.deepEqual(store.db.prepare('SELECT line FROM results').pluck().all(), [1]);
      assert.deepEqual(store.previous()?.checkpoint, { line: 1, input: 0, offset: 10 });
    });
  });

  test('a committed batch survives closing and reopening, run state and all', () => {
    const file = dbPath();
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1), row(2)], { line: 2, input: 0, offset: 20 });
    });
    withStore(file, (store) => {
      assert.deepEqual(store.previous(), {
        state: 'running',
        inputs: INPUTS,
        options: {},
        checkpoint: { line: 2, input: 0, offset: 20 },
        pid: process.pid,
        hostname: hostname(),
        rows: 2,
        finishedBefore: false,
      });
    });
  });
});

describe('resume state', () => {
  test('previous() returns the state, inputs, options, checkpoint, writer and row count', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, { threads: 2 }, '0.0.1', { line: 0, input: 0, offset: 0 });
      const writer = { pid: process.pid, hostname: hostname() };
      assert.deepEqual(store.previous(), { state: 'running', inputs: INPUTS, options: { threads: 2 }, checkpoint: START, ...writer, rows: 0, finishedBefore: false });
      store.write([1, 2, 3, 4, 5, 8, 9].map((n) => row(n)), { line: 5, input: 0, offset: 500 });
      assert.deepEqual(store.previous(), {
        state: 'running',
        inputs: INPUTS,
        options: { threads: 2 },
        checkpoint: { line: 5, input: 0, offset: 500 },
        ...writer,
        rows: 7,
        finishedBefore: false,
      });
      assert.deepEqual(store.linesDone(6, 100), [8, 9]);
    });
  });

  test('beginRun records the starting checkpoint, version and options', () => {
    withStore(dbPath(), (store) => {
      const from = { line: 41, input: 1, offset: 4096 };
      store.beginRun(INPUTS, { method: 'GET', retries: 2 }, '9.9.9', from);
      assert.deepEqual(store.previous()?.checkpoint, from);
      const run = store.db.prepare('SELECT options, urlsweep_version, state, ended_at FROM runs').get() as Record<string, unknown>;
      assert.deepEqual(JSON.parse(run.options as string), { method: 'GET', retries: 2 });
      assert.equal(run.urlsweep_version, '9.9.9');
      assert.equal(run.state, 'running');
      assert.equal(run.ended_at, null);
    });
  });

  test('previous() describes the newest run', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], { line: 1, input: 0, offset: 10 });
      store.endRun('interrupted');
      store.beginRun(INPUTS, {}, '0.0.1', { line: 1, input: 0, offset: 10 });
      store.write([row(2)], { line: 2, input: 0, offset: 20 });
      assert.deepEqual(store.previous()?.checkpoint, { line: 2, input: 0, offset: 20 });
      assert.equal(store.previous()?.state, 'running');
      const states = store.db.prepare('SELECT state, checkpoint_line FROM runs ORDER BY id').all();
      assert.deepEqual(states, [
        { state: 'interrupted', checkpoint_line: 1 },
        { state: 'running', checkpoint_line: 2 },
      ]);
    });
  });

  test('linesDone(from, to) gives the lines in the range with a row or parked, in order', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([1, 2, 3, 7, 10, 11].map((n) => row(n)), { line: 3, input: 0, offset: 30 }, [parked(1, 9), parked(2, 14)]);
      assert.deepEqual(store.linesDone(4, 100), [7, 9, 10, 11, 14]);
      assert.deepEqual(store.linesDone(10, 13), [10, 11]);
      assert.deepEqual(store.linesDone(15, 100), []);
      assert.deepEqual(store.linesDone(1, 100), [1, 2, 3, 7, 9, 10, 11, 14]);
      assert.equal(store.lastLineDone(), 14);
    });
  });

  test('a parked URL leaves pending in the transaction that records its row', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([], { line: 2, input: 0, offset: 20 }, [parked(1, 1, 'a.example'), parked(2, 2, 'b.example'), parked(3, 3, 'a.example')]);
      assert.equal(store.parkedCount(), 3);
      assert.deepEqual(store.parked('a.example', 0, 10).map((p) => p.line), [1, 3]);
      assert.deepEqual(store.parked('a.example', 1, 10).map((p) => p.line), [3], 'after a place');
      assert.deepEqual(store.parkedHosts('', 10), [
        { host: 'a.example', urls: 2, first: 1 },
        { host: 'b.example', urls: 1, first: 2 },
      ]);
      assert.deepEqual(store.parkedHosts('a.example', 10).map((h) => h.host), ['b.example']);
      store.write([row(1)], null, [], [1]);
      assert.deepEqual(store.parked('a.example', 0, 10).map((p) => p.line), [3]);
      assert.equal(store.nextParkingSeq(), 4);
      // Parked and answered in one batch: inserted, then gone.
      store.write([row(4)], null, [parked(4, 4, 'c.example')], [4]);
      assert.equal(store.parkedCount(), 2);
      assert.throws(() => store.write([], null, [parked(5, 3, 'a.example')]), /UNIQUE/, 'a line is never parked twice');
      assert.equal(store.parkedCount(), 2, 'the failed transaction wrote nothing');
    });
  });

  test('redo() moves the matching rows to results_history, hops included, and parks their lines', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      const hop = { url: 'http://x.example/', status: 301, location: 'https://x.example/' };
      store.write(
        [
          row(1),
          row(2, { outcome: 'timeout', status: null, error_code: 'UND_ERR_HEADERS_TIMEOUT', redirects: 1, hops: [hop] }),
          row(3, { outcome: 'connect_timeout', status: null, error_code: 'URLSWEEP_HOST_DOWN', source: '{"id":"3"}' }),
          row(4, { status: 503 }),
          row(5, { outcome: 'invalid_url', status: null, host: null, error_code: 'URLSWEEP_INVALID_URL' }),
        ],
        { line: 5, input: 0, offset: 50 },
      );
      store.endRun('finished');
      store.beginRun(INPUTS, {}, '0.0.1', { line: 5, input: 0, offset: 50 });
      const moved = store.redo(['timeout', 'URLSWEEP_HOST_DOWN', '503', 'URLSWEEP_INVALID_URL']);
      assert.equal(moved, 3, 'invalid_url rows are never redone: the line has not changed');
      assert.deepEqual(store.db.prepare('SELECT line FROM results ORDER BY line').pluck().all(), [1, 5]);
      assert.deepEqual(store.db.prepare('SELECT line, host, source FROM pending ORDER BY seq').all(), [
        { line: 2, host: 'host2.example', source: null },
        { line: 3, host: 'host3.example', source: '{"id":"3"}' },
        { line: 4, host: 'host4.example', source: null },
      ]);
      assert.equal(count(store.db, 'redirect_hops'), 0);
      const history = store.db.prepare('SELECT replaced_by, line, outcome, status, hops, source FROM results_history ORDER BY line').all() as Array<Record<string, unknown>>;
      assert.deepEqual(history.map((h) => [h.replaced_by, h.line, h.outcome, h.status, h.source]), [
        [2, 2, 'timeout', null, null],
        [2, 3, 'connect_timeout', null, '{"id":"3"}'],
        [2, 4, 'response', 503, null],
      ]);
      assert.deepEqual(JSON.parse(history[0]!.hops as string), [{ hop: 1, ...hop }]);
      assert.equal(history[1]!.hops, null);
    });
  });

  test('the rows recorded are kept count of across runs, so a resume does not count 100M rows', () => {
    const file = dbPath();
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1), row(2)], { line: 2, input: 0, offset: 20 });
      store.write([row(3)], null, [parked(1, 4)]);
      assert.equal(store.previous()?.rows, 3);
    });
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', { line: 3, input: 0, offset: 30 });
      store.write([row(4)], { line: 4, input: 0, offset: 40 }, [], [4]);
      assert.equal(store.previous()?.rows, 4);
      store.endRun('finished');
      store.beginRun(INPUTS, {}, '0.0.1', { line: 4, input: 0, offset: 40 });
      assert.equal(store.redo(['response']), 4);
      assert.equal(store.previous()?.rows, 0, 'a second pass takes its rows out of the count');
      store.write([row(1), row(2)], null, [], [1, 2]);
      assert.equal(store.previous()?.rows, 2);
    });
    // A line recorded twice (REPLACE) counts twice until the finished sweep counts again.
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', { line: 4, input: 0, offset: 40 });
      store.write([row(2)], null);
      assert.equal(store.previous()?.rows, 3);
      store.recount();
      assert.equal(store.previous()?.rows, 2);
    });
    // A run that kept no count (one left by hand, say) is counted.
    const conn = new Database(file);
    conn.exec('UPDATE runs SET results_rows = NULL');
    conn.close();
    withStore(file, (store) => {
      assert.equal(store.previous()?.rows, 2);
      store.beginRun(INPUTS, {}, '0.0.1', { line: 4, input: 0, offset: 40 });
      assert.equal(store.db.prepare('SELECT results_rows FROM runs ORDER BY id DESC LIMIT 1').pluck().get(), 2);
    });
  });

  test("endRun('finished') marks the run finished with an end time", () => {
    withStore(dbPath(), (store) => {
      const before = Date.now();
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.endRun('finished');
      assert.equal(store.previous()?.state, 'finished');
      const endedAt = store.db.prepare('SELECT ended_at FROM runs').pluck().get() as number;
      assert.ok(endedAt >= before && endedAt <= Date.now() + 1000, `ended_at ${endedAt}`);
    });
  });

  test('buildIndexes() creates results_elapsed, results_outcome, results_host and results_status', () => {
    withStore(dbPath(), (store) => {
      const indexes = () =>
        store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results' AND sql IS NOT NULL ORDER BY name").pluck().all();
      assert.deepEqual(indexes(), [], 'no secondary index while sweeping');
      store.buildIndexes();
      const all = ['results_elapsed', 'results_host', 'results_host_down', 'results_outcome', 'results_status', 'results_throttled'];
      assert.deepEqual(indexes(), all);
      store.buildIndexes(); // idempotent
      assert.deepEqual(indexes(), all);
    });
  });

  test('clear() empties results, redirect_hops, pending, results_history and runs', () => {
    withStore(dbPath(), (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1, { redirects: 1, hops: [{ url: 'http://x.example/', status: 301, location: 'https://x.example/' }] }), row(2)], {
        line: 2,
        input: 0,
        offset: 20,
      }, [parked(1, 3)]);
      store.endRun('finished');
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.redo(['response']);
      store.clear();
      for (const table of ['results', 'redirect_hops', 'pending', 'results_history', 'runs']) assert.equal(count(store.db, table), 0, table);
      assert.equal(store.previous(), null);
      assert.equal(store.lastLineDone(), 0);
      // The store is usable again after clearing.
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], { line: 1, input: 0, offset: 10 });
      assert.equal(count(store.db, 'results'), 1);
    });
  });
});

describe('refusing a file that is not ours', () => {
  test('an SQLite database with foreign tables is refused as "not a urlsweep" database', () => {
    const file = dbPath();
    const db = new Database(file);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");
    db.close();
    assert.throws(
      () => new ResultStore(file),
      (err: unknown) => err instanceof StoreError && /not a urlsweep/.test(err.message),
    );
    const check = new Database(file, { readonly: true });
    try {
      const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
      assert.deepEqual(tables, ['customers'], 'no urlsweep table was added');
      assert.equal(check.prepare('SELECT name FROM customers').pluck().get(), 'Ada');
    } finally {
      check.close();
    }
  });

  test(
    'refusing a foreign database leaves its journal mode as it was',
    () => {
      const file = dbPath();
      const db = new Database(file);
      db.exec('CREATE TABLE notes (body TEXT)');
      assert.equal(db.pragma('journal_mode', { simple: true }), 'delete');
      db.close();
      assert.throws(() => new ResultStore(file), StoreError);
      const check = new Database(file, { readonly: true });
      try {
        assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
      } finally {
        check.close();
      }
    },
  );

  test('a file of random bytes is refused as not an SQLite database, and left unchanged', () => {
    const file = dbPath();
    let seed = 12345;
    const bytes = Buffer.alloc(8192, 0).map(() => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 24;
    });
    fs.writeFileSync(file, bytes);
    assert.throws(
      () => new ResultStore(file),
      (err: unknown) => err instanceof StoreError && /not an SQLite database/.test(err.message) && err.message.includes(file),
    );
    assert.deepEqual(fs.readFileSync(file), bytes);
  });

  test('a text file is refused as not an SQLite database', () => {
    const file = dbPath();
    fs.writeFileSync(file, 'https://example.test/\n'.repeat(200));
    assert.throws(
      () => new ResultStore(file),
      (err: unknown) => err instanceof StoreError && /not an SQLite database/.test(err.message),
    );
  });

  test('a database written by a newer schema is refused as "newer"', () => {
    const file = dbPath();
    const db = new Database(file);
    db.exec('CREATE TABLE results (line INTEGER PRIMARY KEY)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => new ResultStore(file),
      (err: unknown) => err instanceof StoreError && /newer/.test(err.message),
    );
    const check = new Database(file, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1, 'the version is not rewritten');
    } finally {
      check.close();
    }
  });

  test('a database in a folder that does not exist is refused with a StoreError', () => {
    const file = path.join(dir, 'no-such-folder', 'sweep.db');
    assert.throws(
      () => new ResultStore(file),
      (err: unknown) => err instanceof StoreError && err.message.includes('no-such-folder'),
    );
    assert.equal(fs.existsSync(path.dirname(file)), false, 'the folder is not created');
  });
});

describe('read-only locations', () => {
  // File modes do not stop root. When running as root, the store is opened by a child process that runs as
  // the unprivileged user `nobody` (uid 65534); when that is not possible either, the case is skipped.
  const CHILD = `
import fs from 'node:fs';
const [moduleUrl, dbFile, probe] = process.argv.slice(2);
let modesIgnored = false;
try {
  const fd = fs.openSync(probe, fs.existsSync(probe) ? 'r+' : 'wx');
  fs.closeSync(fd);
  modesIgnored = true;
} catch {}
if (modesIgnored) {
  console.log(JSON.stringify({ modesIgnored }));
} else {
  const { ResultStore } = await import(moduleUrl);
  const { StoreError } = await import(new URL('../result/errors.js', moduleUrl).href);
  try {
    const store = new ResultStore(dbFile);
    store.beginRun([], {}, 'test', { line: 0, input: 0, offset: 0 });
    store.close();
    console.log(JSON.stringify({ modesIgnored, opened: true }));
  } catch (err) {
    console.log(JSON.stringify({ modesIgnored, opened: false, storeError: err instanceof StoreError, message: String(err && err.message) }));
  }
}
`;
  const moduleUrl = new URL('../../src/store/resultStore.js', import.meta.url).href;
  let area: string;
  let childScript: string;
  before(() => {
    area = fs.mkdtempSync(path.join(os.tmpdir(), 'urlsweep-'));
    fs.chmodSync(area, 0o755);
    childScript = path.join(area, 'open-store.mjs');
    fs.writeFileSync(childScript, CHILD, { mode: 0o644 });
  });
  after(() => {
    for (const entry of fs.readdirSync(area)) fs.chmodSync(path.join(area, entry), 0o755);
    fs.rmSync(area, { recursive: true, force: true });
  });

  interface ChildResult {
    modesIgnored: boolean;
    opened?: boolean;
    storeError?: boolean;
    message?: string;
  }

  /** Opens the store as an unprivileged user; null when no such user can be had. */
  function openUnprivileged(dbFile: string, probe: string): ChildResult | null {
    const asRoot = process.getuid?.() === 0;
    const result = spawnSync(process.execPath, [childScript, moduleUrl, dbFile, probe], {
      encoding: 'utf8',
      timeout: 10_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    if (result.error || result.status !== 0) {
      if (asRoot) return null; // cannot drop privileges here
      assert.fail(`child failed: ${result.error?.message ?? result.stderr}`);
    }
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildResult;
  }

  test('a new database in a read-only folder is refused with a StoreError', (t) => {
    const folder = path.join(area, 'readonly-folder');
    fs.mkdirSync(folder);
    fs.chmodSync(folder, 0o555);
    const file = path.join(folder, 'sweep.db');
    const result = openUnprivileged(file, path.join(folder, 'probe'));
    if (result === null || result.modesIgnored) {
      t.skip('root ignores file modes');
      return;
    }
    assert.equal(result.opened, false, 'the store must not open');
    assert.equal(result.storeError, true, `a StoreError, got: ${result.message}`);
    assert.ok(result.message?.includes(file), result.message);
    assert.match(result.message!, /cannot be opened|read-only/);
    assert.equal(fs.existsSync(file), false);
  });

  test('a read-only database file is refused with a StoreError', (t) => {
    const folder = path.join(area, 'writable-folder');
    fs.mkdirSync(folder);
    fs.chmodSync(folder, 0o777);
    const file = path.join(folder, 'sweep.db');
    withStore(file, (store) => {
      store.beginRun(INPUTS, {}, '0.0.1', START);
      store.write([row(1)], { line: 1, input: 0, offset: 10 });
    });
    fs.chmodSync(file, 0o444);
    const result = openUnprivileged(file, file);
    if (result === null || result.modesIgnored) {
      t.skip('root ignores file modes');
      return;
    }
    assert.equal(result.opened, false, 'the store must not open for writing');
    assert.equal(result.storeError, true, `a StoreError, got: ${result.message}`);
    assert.match(result.message!, /read-only|cannot be opened/);
    withStore(file, (store) => assert.equal(count(store.db, 'results'), 1, 'the data is intact'));
  });
});
