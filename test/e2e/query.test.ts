// `urlsweep query` and the schema's views, against a database whose contents are known.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ResultStore } from '../../src/store/resultStore.js';
import { runQuery } from '../../src/query/runQuery.js';
import { QueryError } from '../../src/result/errors.js';
import type { Format } from '../../src/query/formats.js';
import type { ResultRow } from '../../src/messages.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { urlsweep } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());
const db = join(temp.dir, 'known.db');

function result(line: number, over: Partial<ResultRow>): ResultRow {
  return {
    line, url: `https://a.test/${line}`, host: 'a.test', outcome: 'response', status: 200, error_code: null,
    error_message: null, final_url: `https://a.test/${line}`, redirects: 0, method: 'HEAD', attempts: 1,
    remote_ip: '127.0.0.1', content_type: 'text/plain', content_length: 3, elapsed_ms: 10, checked_at: 1_700_000_000_000,
    throttled: 0, hops: null, ...over,
  };
}

before(() => {
  const store = new ResultStore(db);
  store.beginRun([], {}, 'test', { line: 0, input: 0, offset: 0 });
  store.write(
    [
      result(1, { elapsed_ms: 10 }),
      result(2, { elapsed_ms: 30 }),
      result(3, { elapsed_ms: 20, status: 404 }),
      result(4, { host: 'b.test', url: 'https://b.test/', outcome: 'dns_error', status: null, error_code: 'ENOTFOUND', error_message: 'not found', elapsed_ms: 5, remote_ip: null }),
      result(5, {
        host: 'b.test', url: 'http://b.test/old', status: 200, redirects: 2, final_url: 'https://c.test/new', elapsed_ms: 50,
        hops: [
          { url: 'http://b.test/old', status: 301, location: 'https://b.test/old' },
          { url: 'https://b.test/old', status: 302, location: 'https://c.test/new' },
        ],
      }),
      result(6, { host: null, url: 'not a url', outcome: 'invalid_url', status: null, error_code: 'URLSWEEP_INVALID_URL', elapsed_ms: null, remote_ip: null, method: null }),
      result(7, { url: 'https://a.test/"quoted", with comma\nand newline', elapsed_ms: 40 }),
    ],
    { line: 7, input: 0, offset: 100 },
  );
  store.endRun('finished');
  store.buildIndexes();
  store.close();
});

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function q(sql: string, format: Format = 'json', width = 120): Promise<string> {
  const out = new Collect();
  await runQuery({ db, sql, format, width }, out);
  return out.text;
}

describe('formats', () => {
  test('csv follows RFC 4180: quotes doubled, fields with comma, quote or newline quoted, CRLF', async () => {
    const text = await q('SELECT line, url, status FROM results WHERE line IN (6, 7) ORDER BY line', 'csv');
    assert.equal(text, 'line,url,status\r\n6,not a url,\r\n7,"https://a.test/""quoted"", with comma\nand newline",200\r\n');
  });

  test('json is one array of objects', async () => {
    const rows = JSON.parse(await q('SELECT line, outcome FROM results WHERE line <= 2 ORDER BY line')) as unknown[];
    assert.deepEqual(rows, [{ line: 1, outcome: 'response' }, { line: 2, outcome: 'response' }]);
    assert.deepEqual(JSON.parse(await q('SELECT line FROM results WHERE line > 100')), []);
  });

  test('ndjson is one object per line', async () => {
    const lines = (await q('SELECT line, error_code FROM results WHERE line IN (4, 6) ORDER BY line', 'ndjson')).trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [
      { line: 4, error_code: 'ENOTFOUND' },
      { line: 6, error_code: 'URLSWEEP_INVALID_URL' },
    ]);
  });

  test('table aligns columns, right-aligns numbers, and fits the width given', async () => {
    const text = await q('SELECT line, outcome, url FROM results ORDER BY line', 'table', 40);
    const lines = text.trimEnd().split('\n');
    assert.match(lines[0]!, /^line {2}outcome/);
    assert.match(lines[1]!, /^----  -+/);
    assert.ok(lines.every((l) => l.length <= 40), lines.join('\n'));
    assert.match(lines[2]!, /^ {3}1  response/);
    assert.ok(lines.some((l) => l.includes('…')), 'long values are cut, marked');
    assert.equal(lines.at(-1), '(7 rows)');
  });
});

describe('guards and errors', () => {
  for (const sql of ['DELETE FROM results', "UPDATE results SET status = 0", 'CREATE TABLE x (a)', 'DROP VIEW summary']) {
    test(`a statement that writes is refused: ${sql}`, async () => {
      await assert.rejects(q(sql), (err: Error) => err instanceof QueryError && /read-only/.test(err.message) && err.message.includes(sql));
      const conn = new Database(db, { readonly: true });
      assert.equal(conn.prepare('SELECT count(*) FROM results').pluck().get(), 7);
      conn.close();
    });
  }

  test("SQL errors show SQLite's message and the statement", async () => {
    await assert.rejects(q('SELECT nope FROM results'), (err: Error) => err instanceof QueryError && /no such column: nope/.test(err.message) && /in: SELECT nope/.test(err.message));
  });
});

describe('views', () => {
  test('summary: outcomes and status classes', async () => {
    const rows = JSON.parse(await q('SELECT * FROM summary ORDER BY outcome, status_class')) as unknown[];
    assert.deepEqual(rows, [
      { outcome: 'dns_error', status_class: null, urls: 1 },
      { outcome: 'invalid_url', status_class: null, urls: 1 },
      { outcome: 'response', status_class: '2xx', urls: 4 },
      { outcome: 'response', status_class: '4xx', urls: 1 },
    ]);
  });

  test('errors: the failures with their codes', async () => {
    const rows = JSON.parse(await q('SELECT line, outcome, error_code FROM errors ORDER BY line')) as unknown[];
    assert.deepEqual(rows, [
      { line: 4, outcome: 'dns_error', error_code: 'ENOTFOUND' },
      { line: 6, outcome: 'invalid_url', error_code: 'URLSWEEP_INVALID_URL' },
    ]);
  });

  test('hosts: URLs, responses, failures and median time per host', async () => {
    const rows = JSON.parse(await q('SELECT * FROM hosts ORDER BY host')) as unknown[];
    assert.deepEqual(rows, [
      { host: 'a.test', urls: 4, responses: 4, failures: 0, median_ms: 25 }, // 10, 20, 30, 40
      { host: 'b.test', urls: 2, responses: 1, failures: 1, median_ms: 27.5 }, // 5, 50
    ]);
  });

  test('redirects: where redirected URLs ended', async () => {
    const rows = JSON.parse(await q('SELECT line, url, final_url, redirects FROM redirects')) as unknown[];
    assert.deepEqual(rows, [{ line: 5, url: 'http://b.test/old', final_url: 'https://c.test/new', redirects: 2 }]);
    const hops = JSON.parse(await q('SELECT hop, status, location FROM redirect_hops WHERE line = 5 ORDER BY hop')) as unknown[];
    assert.deepEqual(hops, [
      { hop: 1, status: 301, location: 'https://b.test/old' },
      { hop: 2, status: 302, location: 'https://c.test/new' },
    ]);
  });

  test('slowest: by time, slowest first', async () => {
    const rows = JSON.parse(await q('SELECT line, elapsed_ms FROM slowest')) as Array<{ line: number }>;
    assert.deepEqual(rows.map((r) => r.line), [5, 7, 2, 3, 1, 4]);
  });

  test('a version 1 database is migrated: hops keep their data under redirect_hops, views appear, runs gain the writer', () => {
    const old = join(temp.dir, 'v1.db');
    const conn = new Database(old);
    conn.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, ended_at INTEGER, state TEXT NOT NULL,
      inputs TEXT NOT NULL, options TEXT NOT NULL, checkpoint_line INTEGER NOT NULL DEFAULT 0, checkpoint_input INTEGER NOT NULL DEFAULT 0,
      checkpoint_offset INTEGER NOT NULL DEFAULT 0, urlsweep_version TEXT NOT NULL);
      CREATE TABLE results (line INTEGER PRIMARY KEY, url TEXT NOT NULL, host TEXT, outcome TEXT NOT NULL, status INTEGER, error_code TEXT,
      error_message TEXT, final_url TEXT, redirects INTEGER NOT NULL DEFAULT 0, method TEXT, attempts INTEGER NOT NULL DEFAULT 0,
      remote_ip TEXT, content_type TEXT, content_length INTEGER, elapsed_ms REAL, checked_at INTEGER NOT NULL);
      CREATE TABLE redirects (line INTEGER NOT NULL, hop INTEGER NOT NULL, url TEXT NOT NULL, status INTEGER NOT NULL, location TEXT NOT NULL, PRIMARY KEY (line, hop)) WITHOUT ROWID;
      INSERT INTO redirects VALUES (1, 1, 'http://x.test/', 301, 'https://x.test/');
      PRAGMA user_version = 1;`);
    conn.close();
    new ResultStore(old).close();
    const after = new Database(old, { readonly: true });
    assert.equal(after.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(after.prepare('SELECT location FROM redirect_hops').pluck().all(), ['https://x.test/']);
    assert.equal(after.prepare("SELECT type FROM sqlite_master WHERE name = 'redirects'").pluck().get(), 'view');
    const columns = (after.pragma('table_info(runs)') as Array<{ name: string }>).map((c) => c.name);
    assert.ok(columns.includes('pid') && columns.includes('hostname'), 'early version-1 runs tables gain pid and hostname');
    assert.ok(columns.includes('results_rows'), 'runs gain the count of rows (schema 4)');
    for (const table of ['results', 'pending', 'results_history']) {
      const names = (after.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
      assert.ok(names.includes('source'), `${table} gains source (schema 5)`);
    }
    after.close();
  });
});

describe('the query command', () => {
  test('takes SQL from the argument, --file or stdin', async () => {
    const file = join(temp.dir, 'q.sql');
    writeFileSync(file, 'SELECT count(*) AS n FROM results');
    for (const [args, stdin] of [
      [['query', db, 'SELECT count(*) AS n FROM results', '--format', 'csv'], ''],
      [['query', db, '--file', file, '--format', 'csv'], ''],
      [['query', db, '--format', 'csv'], 'SELECT count(*) AS n FROM results'],
    ] as Array<[string[], string]>) {
      const run = await urlsweep(args, { cwd: temp.dir, stdin });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, 'n\r\n7\r\n');
    }
  });

  test('a write is refused with exit 1 and no stack trace; a missing database exits 2', async () => {
    const run = await urlsweep(['query', db, 'DELETE FROM results'], { cwd: temp.dir });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^urlsweep: queries are read-only/);
    assert.doesNotMatch(run.stderr, /at .*\.js:\d+/);
    const missing = await urlsweep(['query', join(temp.dir, 'none.db'), 'SELECT 1'], { cwd: temp.dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no database at/);
  });
});
