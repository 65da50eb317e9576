// The WARC writer's parts: a record built from pieces is one gzip member that gunzips to the WARC record
// (its CRC-32 combined from the pieces'), files are taken by number and rotated, and the folder is cut back
// to what the database names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, gunzipSync } from 'node:zlib';
import { combineCrc32, heldRecords, MAX_HELD_BYTES, RecordBuilder, SMALL_RECORD, WarcWriteError, wholeRecord, type Member } from '../../workers/warc/record.js';
import { WarcWriter } from '../../workers/warc/warcWriter.js';
import { trimToReferenced, warcSerial, warcTarget } from '../../src/store/warcFolder.js';
import { ResultStore } from '../../src/store/resultStore.js';
import { tempDir } from '../support/simSweep.js';

const bytesOf = (member: Member): Buffer => Buffer.concat([...member.pieces()]);

const base32Sha1 = (b: Buffer): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...createHash('sha1').update(b).digest()].map((x) => x.toString(2).padStart(8, '0')).join('');
  return 'sha1:' + (bits.match(/.{1,5}/g) ?? []).map((g) => alphabet[parseInt(g.padEnd(5, '0'), 2)]).join('');
};

test('combineCrc32 gives the CRC-32 of the concatenation', () => {
  for (const [a, b] of [[randomBytes(1000), randomBytes(77)], [Buffer.from('x'), randomBytes(1 << 20)], [randomBytes(3), Buffer.alloc(0)]] as const) {
    assert.equal(combineCrc32(crc32(a), crc32(b), b.length), crc32(Buffer.concat([a, b])));
  }
});

for (const [kind, pieces] of [
  ['small (deflated whole at the end)', [randomBytes(30_000), Buffer.from('a'.repeat(40_000))]],
  ['big (deflated piece by piece)', [randomBytes(30_000), Buffer.from('a'.repeat(SMALL_RECORD)), randomBytes(100_000)]],
] as const) {
  test(`a ${kind} record is one gzip member: the WARC head with length and digests, the block, the end`, () => {
    const body = [...pieces];
    const payload = Buffer.concat(body);
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`);
    const builder = new RecordBuilder(head, true);
    for (const piece of body) builder.data(piece);
    assert.equal(builder.state, payload.length > SMALL_RECORD ? 'streaming' : 'small');
    const member = bytesOf(builder.member([['WARC-Type', 'response'], ['WARC-Target-URI', 'http://a.test/\r\nInjected: yes']]));
    const text = gunzipSync(member);
    const block = Buffer.concat([head, payload]);
    const warcHead = text.subarray(0, text.indexOf('\r\n\r\n') + 4).toString();
    assert.equal(
      warcHead,
      'WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://a.test/ Injected: yes\r\n' +
        `WARC-Block-Digest: ${base32Sha1(block)}\r\nWARC-Payload-Digest: ${base32Sha1(payload)}\r\nContent-Length: ${block.length}\r\n\r\n`,
    );
    assert.deepEqual(text.subarray(warcHead.length), Buffer.concat([block, Buffer.from('\r\n\r\n')]));
    // Only one member: gunzip would read a second one into the same output.
    assert.equal(member.readUInt32LE(member.length - 4), text.length);
    assert.equal(builder.payloadLength, payload.length);
    assert.equal(heldRecords().heldBytes, 0, 'given back once written');
  });
}

test('a whole record (a request, a warcinfo) is one gzip member of stored blocks, however long', () => {
  for (const size of [0, 300, 65_535 * 2 + 17]) {
    const block = randomBytes(size);
    const member = bytesOf(wholeRecord([['WARC-Type', 'request']], block));
    const text = gunzipSync(member);
    const head = `WARC/1.1\r\nWARC-Type: request\r\nWARC-Block-Digest: ${base32Sha1(block)}\r\nContent-Length: ${size}\r\n\r\n`;
    assert.deepEqual(text, Buffer.concat([Buffer.from(head), block, Buffer.from('\r\n\r\n')]), `${size} bytes`);
    assert.equal(member.readUInt32LE(member.length - 4), text.length, 'one member');
  }
});

test('past MAX_HELD_BYTES in a thread, the growing record waits in a file, written whole and then removed', () => {
  const temp = tempDir();
  try {
    const place = { dir: temp.dir, owner: 'db-1' };
    const small = new RecordBuilder(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), true, place);
    small.data(randomBytes(MAX_HELD_BYTES / 2));
    const growing = new RecordBuilder(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), true, place);
    const body = randomBytes(MAX_HELD_BYTES / 2 + (1 << 20));
    for (let at = 0; at < body.length; at += 1 << 20) growing.data(body.subarray(at, at + (1 << 20)));
    const tiny = new RecordBuilder(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), true, place);
    tiny.data(Buffer.from('small'));
    assert.deepEqual([small.state, growing.state, tiny.state], ['streaming', 'spilled', 'small'], 'a small record never waits in a file');
    tiny.discard();
    assert.ok(heldRecords().heldBytes <= MAX_HELD_BYTES, `${heldRecords().heldBytes} bytes held`);
    assert.deepEqual(readdirSync(temp.dir).filter((f) => f.startsWith('.spill-db-1-')).length, 1, 'named for its database');
    const member = growing.member([['WARC-Type', 'response']]);
    const bytes = bytesOf(member);
    assert.equal(bytes.length, member.length);
    const text = gunzipSync(bytes);
    assert.deepEqual(text.subarray(text.length - body.length - 4), Buffer.concat([body, Buffer.from('\r\n\r\n')]));
    assert.deepEqual(readdirSync(temp.dir), [], 'the file is gone once read');
    // A spill file that cannot be written (here: no folder; a full disk alike) fails the record when it is
    // written, not the request as its body comes.
    const doomed = new RecordBuilder(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), true, { dir: join(temp.dir, 'gone'), owner: 'db-1' });
    for (let at = 0; at < body.length; at += 1 << 20) doomed.data(body.subarray(at, at + (1 << 20)));
    assert.throws(() => doomed.member([['WARC-Type', 'response']]), (err: Error) => err instanceof WarcWriteError && /cannot write a WARC record's body to .*gone.*ENOENT/.test(err.message));
    small.discard();
    assert.equal(heldRecords().heldBytes, 0);
  } finally {
    temp.remove();
  }
});

test('the writer takes the next free number, begins each file with a warcinfo, and rotates at the size', () => {
  const temp = tempDir();
  try {
    const target = warcTarget(join(temp.dir, 'crawl.db'), 10_000, 'db-1');
    assert.deepEqual([target.dir, target.relativeDir, target.prefix], [join(temp.dir, 'crawl.warc'), 'crawl.warc', 'crawl']);
    const store = new ResultStore(join(temp.dir, 'crawl.db'));
    trimToReferenced(store.db, target); // makes the folder
    store.close();
    writeFileSync(join(target.dir, 'crawl-00004.warc.gz'), ''); // another thread's, or a stopped run's
    writeFileSync(join(target.dir, 'notes.txt'), 'mine');
    const writer = new WarcWriter(target);
    const record = (n: number) => new RecordBuilder(randomBytes(n), false).member([['WARC-Type', 'resource']]);
    const first = writer.append([record(100)]);
    assert.equal(first.file, 'crawl.warc/crawl-00005.warc.gz');
    const second = writer.append([record(9_900)]);
    assert.equal(second.file, 'crawl.warc/crawl-00006.warc.gz', 'past --warc-size: the next file');
    writer.close();
    for (const [name, at] of [['crawl-00005.warc.gz', first.offset], ['crawl-00006.warc.gz', second.offset]] as const) {
      // What comes before the records is one member: the file's warcinfo.
      assert.match(gunzipSync(readFileSync(join(target.dir, name)).subarray(0, at)).toString(), /^WARC\/1\.1\r\nWARC-Type: warcinfo\r\n[^]*WARC-Filename: crawl-0000[56]\.warc\.gz\r\n[^]*\r\nurlsweep-database-id: db-1\r\n/);
    }
    const bytes = readFileSync(join(target.dir, 'crawl-00005.warc.gz'));
    assert.equal(bytes.length, first.offset + first.length, 'the last record ends the file');
    assert.deepEqual([warcSerial('crawl', 'crawl-00012.warc.gz'), warcSerial('crawl', 'crawl-1.warc.gz'), warcSerial('crawl', 'other-00001.warc.gz')], [12, null, null]);
  } finally {
    temp.remove();
  }
});

test('trimToReferenced cuts each of its files after the last record a row names, removes those none names, leaves others alone', () => {
  const temp = tempDir();
  try {
    const store = new ResultStore(join(temp.dir, 'crawl.db'));
    const target = warcTarget(store.path, 1 << 30, store.id());
    assert.equal(store.id(), target.owner, 'the id stays');
    trimToReferenced(store.db, target);
    // Files that begin as this database's do (its id in the warcinfo, stored uncompressed), or another's.
    const file = (name: string, size: number, owner = target.owner) =>
      writeFileSync(join(target.dir, name), Buffer.from(`WARC/1.1 ... urlsweep-database-id: ${owner}\r\n`.padEnd(size, '.')));
    file('crawl-00000.warc.gz', 5_000); // rows name up to 3,000: a torn record after
    file('crawl-00001.warc.gz', 800); // named whole
    file('crawl-00002.warc.gz', 700); // named by a replaced row only (--redo keeps it in results_history)
    file('crawl-00003.warc.gz', 900); // no row names it: written before a crash
    file('other.warc.gz', 100); // not the sweep's
    file(`.spill-${target.owner}-123-1-0`, 100); // a record's body waiting in a file when its thread was killed
    file('.spill-another-db-9-1-0', 100); // crawl.sqlite's, its sweep running now
    file('crawl-00007.warc.gz', 600, 'another-db'); // crawl.sqlite's, beside crawl.db: never touched
    file('crawl-00008.warc.gz', 100); // rows name up to 400: the end of it was lost (a power cut)
    writeFileSync(join(target.dir, 'crawl-00009.warc.gz'), ''); // made as a thread was stopped, or just made by crawl.sqlite's: left
    const insert = store.db.prepare(
      "INSERT INTO results (line, url, outcome, redirects, attempts, checked_at, warc_file, warc_offset, warc_length) VALUES (?, 'u', 'response', 0, 1, 0, ?, ?, ?)",
    );
    insert.run(1, 'crawl.warc/crawl-00000.warc.gz', 1_000, 500);
    insert.run(2, 'crawl.warc/crawl-00000.warc.gz', 2_000, 1_000);
    insert.run(3, 'crawl.warc/crawl-00001.warc.gz', 300, 500);
    insert.run(5, 'crawl.warc/crawl-00008.warc.gz', 200, 200);
    store.db
      .prepare(
        "INSERT INTO results_history (replaced_by, line, url, outcome, redirects, attempts, checked_at, throttled, warc_file, warc_offset, warc_length) VALUES (1, 4, 'u', 'response', 0, 1, 0, 0, ?, ?, ?)",
      )
      .run('crawl.warc/crawl-00002.warc.gz', 200, 500);
    assert.deepEqual(trimToReferenced(store.db, target), { removed: 2, cutBytes: 2_000, foreign: 1, short: ['crawl-00008.warc.gz'] });
    const sizes = Object.fromEntries(readdirSync(target.dir).map((n) => [n, statSync(join(target.dir, n)).size]));
    assert.deepEqual(sizes, { 'crawl-00000.warc.gz': 3_000, 'crawl-00001.warc.gz': 800, 'crawl-00002.warc.gz': 700, 'crawl-00007.warc.gz': 600, 'crawl-00008.warc.gz': 100, 'crawl-00009.warc.gz': 0, 'other.warc.gz': 100, '.spill-another-db-9-1-0': 100 });
    assert.equal(existsSync(join(target.dir, 'crawl-00003.warc.gz')), false);
    store.close();
  } finally {
    temp.remove();
  }
});
