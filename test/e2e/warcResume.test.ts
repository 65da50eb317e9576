// kill -9 in the middle of a --store-bodies sweep, then the same command again: every WARC file reads whole
// with the independent reader, every row names a record that is there and is its URL's, and no line's body
// is stored twice (what the killed run wrote past its last saved row is cut off, and said so). And a disk
// that fills up: the sweep stops with the reason, what it saved whole, and finishes once there is room.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countRows, finished, start, urlsweep, waitFor } from '../support/cli.js';
import { readBackWarc } from '../support/warcReader.js';
import { httpOnLoopback } from '../support/httpOnLoopback.js';
import { tempDir } from '../support/simSweep.js';

const TOTAL = 20_000;
const temp = tempDir();
const bodyOf = (path: string) => `<title>${path}</title>` + 'x'.repeat(2_000);
// Answers after 20 ms: at -c 64, 20,000 URLs take ~6 s, so the sweep is still running when it is killed.
const server = httpOnLoopback((req, res) => {
  // /full/…: pages that do not compress, to fill a small disk.
  if (req.url!.startsWith('/full/')) return void res.end(randomBytes(4096));
  setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(bodyOf(req.url!)), 20);
});
after(() => temp.remove());

test('kill -9 mid-fetch, run again: every record whole, every row naming its own, no body stored twice', { timeout: 180_000 }, async () => {
  const list = join(temp.dir, 'pages.txt');
  writeFileSync(list, Array.from({ length: TOTAL }, (_, i) => `http://127.0.0.1:${server.port}/p${i + 1}`).join('\n') + '\n');
  const db = join(temp.dir, 'pages.db');
  const folder = join(temp.dir, 'pages.warc');
  const args = ['run', list, '--db', db, '--method', 'GET', '--store-bodies', '-c', '64', '--per-host', '64', '--warc-size', '1MiB', '--progress', 'json'];
  const child = start(args, { cwd: temp.dir });
  const done = finished(child);
  await waitFor(() => countRows(db) >= 12_000, 60_000, '12,000 rows');
  child.kill('SIGKILL');
  assert.equal((await done).code, 128, 'killed, not finished');

  // What the killed run left: bytes past the last record its saved rows name (rows not yet saved, a torn record).
  const named = new Database(db, { readonly: true });
  const ends = new Map(
    (named.prepare('SELECT warc_file AS file, MAX(warc_offset + warc_length) AS end FROM results GROUP BY warc_file').all() as Array<{ file: string; end: number }>).map((r) => [r.file, r.end]),
  );
  named.close();
  // And always a torn record at the end of a file rows name, as a kill in the middle of a write leaves (the
  // kill alone may land when every record written has its row saved).
  const torn = [...ends.keys()].sort().at(-1)!;
  appendFileSync(join(temp.dir, torn), gzipSync(randomBytes(2000)).subarray(0, 700));
  let cut = 0;
  let removed = 0;
  for (const f of readdirSync(folder)) {
    const size = statSync(join(folder, f)).size;
    const end = ends.get(`pages.warc/${f}`);
    if (end === undefined) removed += size > 0 ? 1 : 0; // empty files are left alone
    else cut += size - end;
  }

  const rerun = await urlsweep(args, { cwd: temp.dir });
  assert.equal(rerun.code, 0, rerun.stderr);
  const notice = rerun.stderr.split('\n').find((l) => l.includes('WARC records no row names'));
  assert.ok(cut >= 700, 'the torn record among what is cut');
  assert.match(notice ?? '', new RegExp(`cut: ${cut} bytes, ${removed} files removed`), `${cut} bytes past the saved rows, ${removed} files with none`);

  const warc = readBackWarc(db);
  assert.equal(warc.rows.length, TOTAL, 'one row per line');
  for (const r of warc.rows) assert.equal(warc.stored(r).response.uri, r.final_url, `line ${r.line}: its own record`);
  const uris = new Map<string, number>();
  for (const records of warc.files.values()) for (const r of records) if (r.type === 'response') uris.set(r.uri!, (uris.get(r.uri!) ?? 0) + 1);
  assert.equal(uris.size, TOTAL, 'every line has its response stored');
  assert.deepEqual([...uris.values()].filter((n) => n !== 1), [], 'no body stored twice');
  const conn = new Database(db, { readonly: true });
  const titles = conn.prepare("SELECT count(*) FROM results WHERE title = '/p' || line").pluck().get();
  conn.close();
  assert.equal(titles, TOTAL, 'titles of the pages');
});

test('a disk that fills up: the sweep stops saying so, every saved row names a whole record, and it finishes once there is room', { timeout: 120_000 }, async (t) => {
  const folder = join(temp.dir, 'full.warc');
  mkdirSync(folder);
  try {
    // A 256 KiB disk of its own for the WARC folder (the database is elsewhere, with room).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', folder], { stdio: 'ignore' });
  } catch {
    return t.skip('mounting a small tmpfs needs root');
  }
  try {
    const list = join(temp.dir, 'full.txt');
    writeFileSync(list, Array.from({ length: 300 }, (_, i) => `http://127.0.0.1:${server.port}/full/${i + 1}`).join('\n') + '\n');
    const db = join(temp.dir, 'full.db');
    const args = ['run', list, '--db', db, '--method', 'GET', '--store-bodies', '-c', '8', '--progress', 'none'];
    const full = await urlsweep(args, { cwd: temp.dir });
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /cannot write WARC records to full\.warc\/full-\d{5}\.warc\.gz: ENOSPC/);
    const saved = readBackWarc(db);
    assert.ok(saved.rows.length > 0 && saved.rows.length < 300, `${saved.rows.length} rows saved before the disk was full`);
    for (const r of saved.rows) assert.equal(saved.stored(r).response.uri, r.final_url, `line ${r.line}`);

    execFileSync('mount', ['-o', 'remount,size=4m', folder]);
    const rerun = await urlsweep(args, { cwd: temp.dir });
    assert.equal(rerun.code, 0, rerun.stderr);
    const done = readBackWarc(db);
    assert.equal(done.rows.length, 300);
    const uris = new Set<string>();
    for (const r of done.rows) uris.add(done.stored(r).response.uri!);
    assert.equal(uris.size, 300, 'each line its own record');
    const responses = [...done.files.values()].flat().filter((c) => c.type === 'response').length;
    assert.equal(responses, 300, 'none stored twice');
  } finally {
    execFileSync('umount', [folder]);
  }
});
