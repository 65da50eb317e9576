// kill -9 in the middle of a --store-bodies sweep, then the same command again: every WARC file reads whole
// with the independent reader, every row names a record that is there and is its URL's, and no line's body
// is stored twice (what the killed run wrote past its last saved row is cut off, and said so).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { countRows, finished, ROOT, start, urlsweep, waitFor } from '../support/cli.js';
import { tempDir } from '../support/simSweep.js';

const TOTAL = 20_000;
const temp = tempDir();
let server: Server;
let port = 0;
const bodyOf = (path: string) => `<title>${path}</title>` + 'x'.repeat(2_000);

before(async () => {
  // Answers after 20 ms: at -c 64, 20,000 URLs take ~6 s, so the sweep is still running when it is killed.
  server = createServer((req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(bodyOf(req.url!)), 20));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => {
  server.closeAllConnections();
  server.close();
  temp.remove();
});

interface Stored {
  line: number;
  final_url: string;
  title: string;
  warc_file: string;
  warc_offset: number;
  warc_length: number;
}

test('kill -9 mid-fetch, run again: every record whole, every row naming its own, no body stored twice', { timeout: 180_000 }, async () => {
  const list = join(temp.dir, 'pages.txt');
  writeFileSync(list, Array.from({ length: TOTAL }, (_, i) => `http://127.0.0.1:${port}/p${i + 1}`).join('\n') + '\n');
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
  const unnamed = readdirSync(folder).reduce((sum, f) => sum + statSync(join(folder, f)).size - (ends.get(`pages.warc/${f}`) ?? 0), 0);

  const rerun = await urlsweep(args, { cwd: temp.dir });
  assert.equal(rerun.code, 0, rerun.stderr);
  const notice = rerun.stderr.split('\n').find((l) => l.includes('WARC records no row names'));
  if (unnamed > 0) assert.match(notice ?? '', new RegExp(`cut: ${unnamed} bytes`), `${unnamed} bytes were past the saved rows`);
  else assert.equal(notice, undefined);

  const conn = new Database(db, { readonly: true });
  const rows = conn.prepare('SELECT line, final_url, title, warc_file, warc_offset, warc_length FROM results ORDER BY line').all() as Stored[];
  conn.close();
  assert.equal(rows.length, TOTAL, 'one row per line');
  const uris = new Map<string, number>();
  for (const file of readdirSync(folder).sort()) {
    const spans = rows.filter((r) => r.warc_file === `pages.warc/${file}`);
    // Fails unless every record of the file is whole and each span given is exactly one record.
    const out = execFileSync('python3', [join(ROOT, 'test/support/warc_check.py'), join(folder, file), ...spans.map((r) => `${r.warc_offset}:${r.warc_length}`)], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const records = out.trim().split('\n').map((l) => JSON.parse(l) as { offset: number; type: string; uri: string; payload_sha256?: string });
    const at = new Map(records.map((r) => [r.offset, r]));
    for (const r of spans) assert.equal(at.get(r.warc_offset)?.uri, r.final_url, `line ${r.line}: its own record`);
    for (const r of records) if (r.type === 'response') uris.set(r.uri, (uris.get(r.uri) ?? 0) + 1);
  }
  assert.equal(uris.size, TOTAL, 'every line has its response stored');
  assert.deepEqual([...uris.values()].filter((n) => n !== 1), [], 'no body stored twice');
  assert.ok(rows.every((r) => r.title === new URL(r.final_url).pathname), 'titles of the pages');
});
