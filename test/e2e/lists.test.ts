// Spreadsheet and JSON lists through the binary: a row per record with its other fields in `source`
// (queried with ->>), a second pass that keeps them, plain usage errors, and kill -9 mid-sweep resumed to
// one row per record for CSV (read again and skipped) and JSON lines (resumed at a byte offset).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countRows, finished, start, urlsweep, waitFor } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';
import { httpOnLoopback } from '../support/httpOnLoopback.js';
import { FLUSH_ROWS } from '../../src/store/batchWriter.js';

const temp = tempDir();
/** Requests per path. */
const hits = new Map<string, number>();
// Answers after 20 ms: at -c 64, 20,000 records take ~6 s, so the sweep is still running when it is killed.
const server = httpOnLoopback((req, res) => {
  hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
  setTimeout(() => res.end('ok'), 20);
});
after(() => temp.remove());

function rows(db: string, sql: string): unknown[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all();
  } finally {
    conn.close();
  }
}

test('a CSV export: a row per record, its other columns in source for SQL, kept through --redo', async () => {
  const list = join(temp.dir, 'companies.csv');
  writeFileSync(list, [
    'id,company,website',
    `1,"Acme, Inc.",http://127.0.0.1:${server.port}/acme`,
    '2,"No site",',
    `3,"Gone ""Ltd""",http://127.0.0.1:9/gone`,
    `4,"Two\nlines",http://127.0.0.1:${server.port}/two`,
  ].join('\n') + '\n');
  const db = join(temp.dir, 'companies.db');
  const args = ['run', list, '--db', db, '--column', 'website', '--progress', 'none', '--retries', '0', '--host-errors', '0'];
  const run = await urlsweep(args, { cwd: temp.dir });
  assert.equal(run.code, 0, run.stderr);
  const query = await urlsweep(['query', db, "SELECT line, source->>'company' AS company, outcome, error_code FROM results ORDER BY line", '--format', 'json'], { cwd: temp.dir });
  assert.equal(query.code, 0, query.stderr);
  assert.deepEqual(JSON.parse(query.stdout), [
    { line: 1, company: 'Acme, Inc.', outcome: 'response', error_code: null },
    { line: 2, company: 'No site', outcome: 'invalid_url', error_code: 'URLSWEEP_BAD_RECORD' },
    { line: 3, company: 'Gone "Ltd"', outcome: 'connect_refused', error_code: 'ECONNREFUSED' },
    { line: 4, company: 'Two\nlines', outcome: 'response', error_code: null },
  ]);
  const redo = await urlsweep([...args, '--redo', 'connect_refused'], { cwd: temp.dir });
  assert.equal(redo.code, 0, redo.stderr);
  assert.deepEqual(rows(db, "SELECT line, source->>'id' AS id FROM results WHERE line = 3"), [{ line: 3, id: '3' }]);
  assert.deepEqual(rows(db, "SELECT line, source->>'company' AS company FROM results_history"), [{ line: 3, company: 'Gone "Ltd"' }]);
});

test('usage errors: --column on a text list, inputs of different formats, a missing column', async () => {
  const text = join(temp.dir, 'plain.txt');
  const csv = join(temp.dir, 'other.csv');
  writeFileSync(text, `http://127.0.0.1:${server.port}/\n`);
  writeFileSync(csv, `name,link\nA,http://127.0.0.1:${server.port}/\n`);
  const column = await urlsweep(['run', text, '--db', join(temp.dir, 'u1.db'), '--column', 'website'], { cwd: temp.dir });
  assert.equal(column.code, 2);
  assert.match(column.stderr, /--column names a column of a CSV or TSV list/);
  const mixed = await urlsweep(['run', text, csv, '--db', join(temp.dir, 'u2.db')], { cwd: temp.dir });
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /different formats/);
  const missing = await urlsweep(['run', csv, '--db', join(temp.dir, 'u3.db')], { cwd: temp.dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /has no column "url"; its columns: "name", "link"/);
});

for (const format of ['csv', 'jsonl'] as const) {
  test(`kill -9 in the middle of a ${format} list, run again: one row per record, each with its own fields`, async () => {
    const total = 20_000;
    const list = join(temp.dir, `big.${format}`);
    const record = (i: number) => ({ url: `http://127.0.0.1:${server.port}/${format}/${i}`, n: String(i), note: i % 7 === 0 ? 'a, "quoted"\nnote' : 'plain' });
    const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const body = Array.from({ length: total }, (_, i) => {
      const r = record(i + 1);
      return format === 'csv' ? [r.n, csvField(r.note), r.url].join(',') : JSON.stringify(r);
    });
    writeFileSync(list, (format === 'csv' ? ['n,note,url', ...body] : body).join('\n') + '\n');
    const db = join(temp.dir, `big-${format}.db`);
    const args = ['run', list, '--db', db, '-c', '64', '--per-host', '64', '--progress', 'none'];
    const child = start(args, { cwd: temp.dir });
    const done = finished(child);
    // Past one batch of rows, so that a resume that swept everything again would show.
    await waitFor(() => countRows(db) >= 12_000, 60_000, '12,000 rows');
    child.kill('SIGKILL');
    assert.equal((await done).code, 128, 'killed, not finished');
    const rerun = await urlsweep(args, { cwd: temp.dir });
    assert.equal(rerun.code, 0, rerun.stderr);
    // Only what was in flight or not yet committed at the kill is requested again (at most one batch).
    let redone = 0;
    for (let i = 1; i <= total; i++) redone += (hits.get(`/${format}/${i}`) ?? 0) - 1;
    assert.ok(redone >= 0 && redone <= 64 + FLUSH_ROWS, `${redone} requests made again`);
    assert.ok([...Array(total).keys()].every((i) => (hits.get(`/${format}/${i + 1}`) ?? 0) >= 1), 'every record requested');
    const stored = rows(db, "SELECT line, url, source->>'n' AS n, source->>'note' AS note, status FROM results ORDER BY line") as Array<{ line: number; url: string; n: string; note: string; status: number }>;
    assert.equal(stored.length, total, 'one row per record');
    for (const [i, r] of stored.entries()) {
      const want = record(i + 1);
      assert.deepEqual(r, { line: i + 1, url: want.url, n: want.n, note: want.note, status: 200 }, `record ${i + 1}`);
    }
  });
}
