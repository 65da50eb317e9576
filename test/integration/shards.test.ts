// --shard I/N through the library on the simulated internet: the same list swept whole and in three
// shares into three databases. Together the shares hold exactly the whole sweep's rows, line by line, each
// line once; every host is in one share; lines without a host are shared by number; each share finishes
// (its checkpoint passes the other shares' lines) and resumes as itself. Merged (urlsweep merge), they read
// like the whole sweep, hops and views too; what a merge refuses, and --partial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sweepLines, type Row, type SweepResult } from '../support/simSweep.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';
import { shardOfHost } from '../../src/options/shard.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { readDb, simOptions } from '../support/simSweep.js';
import { mergeShards } from '../../src/merge/mergeShards.js';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { writeStoredBody } from '../../src/query/storedBody.js';

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
  // Merged: one database holding exactly the shares' rows, every column, and their hops; it reads like the whole sweep.
  const out = join(web.dir, 'merged.db');
  const summary = mergeShards({ out, shards: [2, 0, 1].map((i) => join(web.dir, `share-${i}.db`)), partial: false });
  assert.deepEqual(summary, { rows: whole.rows.length, merged: ['0/3', '1/3', '2/3'], missing: [], unfinished: [] });
  const merged = readDb(out);
  assert.deepEqual(merged.rows, together);
  for (const r of together) {
    const from: SweepResult = shares.find((sh) => sh.rows.some((x) => x.line === r.line))!;
    assert.deepEqual(merged.hops(r.line), from.hops(r.line), `hops of line ${r.line}`);
  }
  assert.ok(together.some((r) => merged.hops(r.line).length > 0), 'redirects among them');
  const db = new Database(out, { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT * FROM summary ORDER BY 1, 2').all(), new Database(whole.dbPath, { readonly: true }).prepare('SELECT * FROM summary ORDER BY 1, 2').all());
    const runs = db.prepare('SELECT state, options FROM runs').all() as Array<{ state: string; options: string }>;
    assert.equal(runs.length, 1);
    assert.deepEqual((JSON.parse(runs[0]!.options) as { merged: Array<{ shard: string }> }).merged.map((m) => m.shard), ['0/3', '1/3', '2/3']);
    assert.ok((db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index'").pluck().get() as number) > 0, 'indexes built');
  } finally {
    db.close();
  }
  // Refused: the output there already, a share missing (unless --partial), one twice, another sweep's.
  const share = (i: number) => join(web.dir, `share-${i}.db`);
  assert.throws(() => mergeShards({ out, shards: [share(0)], partial: false }), /merged\.db exists/);
  const again = join(web.dir, 'again.db');
  assert.throws(() => mergeShards({ out: again, shards: [share(0), share(2)], partial: false }), /shares missing: 1\/3 \(--partial merges those given\)/);
  assert.throws(() => mergeShards({ out: again, shards: [share(0), share(0)], partial: false }), /are both share 0\/3/);
  assert.throws(() => mergeShards({ out: again, shards: [share(0), whole.dbPath], partial: false }), /is a sweep of the whole list, not a share/);
  // What a merge stopped halfway left is started over.
  writeFileSync(`${again}.merging`, 'half a database');
  const partial = mergeShards({ out: again, shards: [share(0), share(2)], partial: true });
  assert.deepEqual([partial.merged, partial.missing], [['0/3', '2/3'], ['1/3']]);
  assert.equal(partial.rows, shares[0]!.rows.length + shares[2]!.rows.length);
  assert.equal(existsSync(`${again}.merging`), false, 'built under another name, then renamed');

  // Run again, each share is complete as it stands.
  for (const [index] of shares.entries()) {
    const again = await runSweep(simOptions(web.sim, web.dir, { db: join(web.dir, `share-${index}.db`), shard: { index, count: 3 } }));
    assert.equal(again.alreadyComplete, true, `share ${index}`);
  }
});

test("merged shares that stored bodies name their WARC records from the merged database's folder", async () => {
  const lines = Array.from({ length: 8 }, (_, i) => `https://fine-w${i}.test/page`);
  const dirs = ['a', 'b', 'merged'].map((d) => join(web.dir, 'warc-shares', d));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const shares: SweepResult[] = [];
  for (let index = 0; index < 2; index++) {
    shares.push(await sweepLines(web.sim, web.dir, lines, { db: join(dirs[index]!, 'part.db'), shard: { index, count: 2 }, method: 'GET', storeBodies: true }));
  }
  const out = join(dirs[2]!, 'all.db');
  mergeShards({ out, shards: shares.map((s) => s.dbPath), partial: false });
  const merged = readDb(out);
  assert.equal(merged.rows.length, lines.length);
  for (const r of merged.rows) {
    const from: SweepResult = shares.find((s) => s.rows.some((x) => x.line === r.line))!;
    const original = from.rows.find((x) => x.line === r.line)!;
    assert.equal(r.warc_file, `../${from === shares[0] ? 'a' : 'b'}/${original.warc_file}`);
    const body = async (db: string) => {
      const chunks: Buffer[] = [];
      const sink = new PassThrough();
      sink.on('data', (c: Buffer) => chunks.push(c));
      await writeStoredBody({ db, line: r.line, raw: false }, sink);
      return Buffer.concat(chunks).toString();
    };
    assert.equal(await body(out), await body(from.dbPath), `line ${r.line}`);
  }
});

test('merge: shares from copies of the list at other paths, a CSV list, a share redone twice, and --partial with an unfinished share', async () => {
  const dir = join(web.dir, 'merge-more');
  mkdirSync(join(dir, 'a'), { recursive: true });
  mkdirSync(join(dir, 'b'), { recursive: true });
  const csv = ['id,site', ...Array.from({ length: 12 }, (_, i) => `${i},https://${i % 2 ? 'notfound' : 'fine'}-m${i}.test/`)].join('\n') + '\n';
  // Each machine has its own copy of the list.
  const copies = ['a', 'b'].map((d) => join(dir, d, 'list.csv'));
  for (const c of copies) writeFileSync(c, csv);
  const options = (index: number, redo: string[] = []) =>
    simOptions(web.sim, dir, { inputs: [copies[index]!], db: join(dir, `part-${index}.db`), shard: { index, count: 2 }, column: 'site', redo });
  for (const index of [0, 1]) await runSweep(options(index));
  // Share 0 redoes its 404s twice: each line's earlier rows are kept, in order.
  await runSweep(options(0, ['404']));
  await runSweep(options(0, ['404']));
  const out = join(dir, 'all.db');
  const summary = mergeShards({ out, shards: [join(dir, 'part-0.db'), join(dir, 'part-1.db')], partial: false });
  assert.equal(summary.rows, 12);
  const db = new Database(out, { readonly: true });
  try {
    const redone = db.prepare("SELECT line, count(DISTINCT replaced_by) AS passes FROM results_history GROUP BY line").all() as Array<{ line: number; passes: number }>;
    assert.ok(redone.length > 0 && redone.every((r) => r.passes === 2), JSON.stringify(redone));
    const runs = db.prepare('SELECT options FROM runs ORDER BY id').pluck().all() as string[];
    assert.equal(runs.length, 3, 'the two passes that replaced rows, then the merge');
    const merged = JSON.parse(runs.at(-1)!) as Record<string, unknown>;
    assert.deepEqual([merged.inputFormat, merged.column, merged.shard], ['csv', 'site', undefined], 'read as the shares read it; no --shard');
  } finally {
    db.close();
  }
  // Share 1 stopped with URLs parked: merged only with --partial, which says so; the result is not swept on.
  const stopped = new Database(join(dir, 'part-1.db'));
  stopped.exec("UPDATE runs SET state = 'interrupted'; INSERT INTO pending (seq, line, host, url) VALUES (1, 2, 'notfound-m1.test', 'https://notfound-m1.test/')");
  stopped.close();
  const partialOut = join(dir, 'partial.db');
  assert.throws(() => mergeShards({ out: partialOut, shards: [join(dir, 'part-0.db'), join(dir, 'part-1.db')], partial: false }), /not finished: .*part-1\.db \(share 1\/2\)/);
  const partial = mergeShards({ out: partialOut, shards: [join(dir, 'part-0.db'), join(dir, 'part-1.db')], partial: true });
  assert.deepEqual(partial.unfinished, [{ shard: '1/2', parked: 1, checkpointLine: 12 }]);
  await assert.rejects(runSweep({ ...options(1), shard: null, db: partialOut }), /is a partial merge of a sweep's shares: finish the missing shares and merge them again/);
});
