// Spreadsheet and JSON lists (src/input/records.ts): the format by extension or as given, CSV quoting as
// CSV has it, the URL's column by name, case or number, the other fields as JSON, a row for every record
// (unreadable ones and ones with no URL too, in their place), gzip, JSON lines with their offsets.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ReadProgress, type InputLine } from '../../src/input/lineReader.js';
import { inputFormat, MAX_RECORD_BYTES, readInput, type InputFormat } from '../../src/input/records.js';
import { SweepError, UsageError } from '../../src/result/errors.js';
import { tempDir } from '../support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());

let files = 0;
function file(content: string | Buffer, ext: string): string {
  const p = join(temp.dir, `list-${++files}${ext}`);
  writeFileSync(p, content);
  return p;
}

async function read(paths: string[], format: InputFormat, column: string | null = null, from?: { line: number; input: number; offset: number }): Promise<InputLine[]> {
  const out: InputLine[] = [];
  for await (const batch of readInput(paths, format, column, new ReadProgress(paths), from)) out.push(...batch);
  return out;
}

/** What a reader says of each record: its number, URL (or the problem) and other fields. */
const seen = (lines: InputLine[]) =>
  lines.map((l) => [l.line, l.problem === null ? l.text : `${l.problem}: ${l.preview}`, l.source === undefined || l.source === null ? null : JSON.parse(l.source)]);

test('the format: as given, else by extension (.gz looked through), one for all inputs', () => {
  assert.equal(inputFormat(['a.csv', 'b.CSV.gz'], null), 'csv');
  assert.equal(inputFormat(['a.tsv'], null), 'tsv');
  assert.equal(inputFormat(['a.jsonl', 'b.ndjson.gz'], null), 'jsonl');
  assert.equal(inputFormat(['a.txt', 'b', '-'], null), 'text');
  assert.equal(inputFormat(['-'], 'csv'), 'csv');
  assert.equal(inputFormat(['a.csv', 'b.txt'], 'text'), 'text');
  assert.throws(() => inputFormat(['a.csv', 'b.txt'], null), (e: Error) => e instanceof UsageError && /a\.csv: csv, b\.txt: text/.test(e.message) && /--input-format/.test(e.message));
});

test('CSV as CSV is: quoted commas, doubled quotes, newlines in fields, a BOM, CRLF; the other columns as JSON', async () => {
  const csv = '\ufeffid,Name,URL\r\n1,"Acme, Inc.",https://acme.test/\r\n2,"Say ""hi""",http://q.test/\r\n3,"two\r\nlines",http://ml.test/x?a=1,extra\r\n\r\n4,short\r\n';
  assert.deepEqual(seen(await read([file(csv, '.csv')], 'csv')), [
    [1, 'https://acme.test/', { id: '1', Name: 'Acme, Inc.' }],
    [2, 'http://q.test/', { id: '2', Name: 'Say "hi"' }],
    [3, 'http://ml.test/x?a=1', { id: '3', Name: 'two\r\nlines', 'column 4': 'extra' }],
    [4, 'bad_record: the record has 2 fields: no "URL" (column 3)', { id: '4', Name: 'short' }],
  ]);
});

test('the URL column: by name, in any case, by number, the only one; else an error naming the columns', async () => {
  const csv = file('id,website,home\n1,http://a.test/,http://b.test/\n', '.csv');
  assert.equal((await read([csv], 'csv', 'website'))[0]!.text, 'http://a.test/');
  assert.equal((await read([csv], 'csv', 'WEBSITE'))[0]!.text, 'http://a.test/');
  assert.equal((await read([csv], 'csv', '3'))[0]!.text, 'http://b.test/');
  assert.equal((await read([file('Link\nhttp://only.test/\n', '.csv')], 'csv'))[0]!.text, 'http://only.test/');
  await assert.rejects(read([csv], 'csv'), (e: Error) => e instanceof UsageError && e.message.includes('has no column "url"; its columns: "id", "website", "home"') && /--column/.test(e.message));
  await assert.rejects(read([csv], 'csv', '4'), (e: Error) => e instanceof UsageError && e.message.includes('no column "4" (or of that number)'));
});

test('quotes as spreadsheets write them; a quote left open is a bad record in its place; a runaway one stops the sweep', async () => {
  const csv = 'url,n\nhttp://1.test/,"5"" screen"\nhttp://2.test/,5" screen\nhttp://3.test/,"open\nhttp://4.test/,4\n';
  const lines = seen(await read([file(csv, '.csv')], 'csv'));
  assert.deepEqual(lines.slice(0, 2), [
    [1, 'http://1.test/', { n: '5" screen' }],
    [2, 'http://2.test/', { n: '5" screen' }],
  ]);
  assert.equal(lines.length, 3, 'the open quote took the rest of the file into its record');
  assert.match(lines[2]![1] as string, /^bad_record: not CSV: Quote Not Closed/);
  assert.equal(lines[2]![0], 3);
  // Past MAX_RECORD_BYTES csv-parse cannot go on: saying so beats dropping the rest of the list unsaid.
  const runaway = `url,n\nhttp://1.test/,1\nhttp://2.test/,"${'x'.repeat(MAX_RECORD_BYTES + 10)}\n` + 'http://3.test/,3\n'.repeat(100_000);
  await assert.rejects(read([file(runaway, '.csv')], 'csv'), (e: Error) => e instanceof SweepError && /the record after record 1 is over 1 MiB: a quote left open\?/.test(e.message));
});

test('mixed line endings, repeated column names and a column named __proto__ lose nothing', async () => {
  const csv = 'url,tag,tag,__proto__\r\nhttp://a.test/,t1,t2,p\nhttp://b.test/,t3,t4,q\r\n';
  assert.deepEqual(seen(await read([file(csv, '.csv')], 'csv')), [
    [1, 'http://a.test/', { tag: 't1', tag_2: 't2', ['__proto__']: 'p' }],
    [2, 'http://b.test/', { tag: 't3', tag_2: 't4', ['__proto__']: 'q' }],
  ]);
});

test('TSV, gzip, and record numbers that run on across inputs (each with its header)', async () => {
  const a = file(gzipSync('url\tname\nhttp://a.test/\tA\n'), '.tsv.gz');
  const b = file('url\tname\nhttp://b.test/\tB\nhttp://c.test/\t"C\tD"\n', '.tsv');
  assert.deepEqual(seen(await read([a, b], 'tsv')), [
    [1, 'http://a.test/', { name: 'A' }],
    [2, 'http://b.test/', { name: 'B' }],
    [3, 'http://c.test/', { name: 'C\tD' }],
  ]);
  assert.deepEqual(await read([file('', '.csv')], 'csv'), [], 'an empty list has no records');
});

test('JSON lines: the url field (or --column), the rest as JSON; blank lines passed on as blank (the sweep skips them); bad lines get rows', async () => {
  const jsonl = ['{"url":"http://a.test/","company":"A","id":7}', '', '{"href":"http://b.test/"}', 'not json', '[1,2]', '{"url":42}', '{"url":"http://c.test/"}'].join('\n') + '\n';
  const path = file(jsonl, '.jsonl');
  const lines = seen(await read([path], 'jsonl'));
  assert.deepEqual(lines.map(([n]) => n), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(lines[0], [1, 'http://a.test/', { company: 'A', id: 7 }]);
  assert.deepEqual(lines.splice(1, 1), [[2, '', null]]);
  assert.deepEqual(lines[1], [3, 'bad_record: the record has no "url" field (name the URL\'s field with --column)', { href: 'http://b.test/' }]);
  assert.match(lines[2]![1] as string, /^bad_record: not JSON: /);
  assert.deepEqual(lines[3], [5, 'bad_record: not a JSON object', null]);
  assert.deepEqual(lines[4], [6, 'bad_record: the record has a number "url" field (name the URL\'s field with --column)', null]);
  assert.deepEqual(lines[5], [7, 'http://c.test/', null]);
  assert.equal((await read([path], 'jsonl', 'href')).find((l) => l.line === 3)!.text, 'http://b.test/');
  // A BOM before the first object, and the field named in another case, as CSV columns are found.
  assert.deepEqual(seen(await read([file('\ufeff{"URL":"http://bom.test/","n":1}\n', '.jsonl')], 'jsonl')), [[1, 'http://bom.test/', { n: 1 }]]);
  // Offsets as for text: a resume seeks to the line after the checkpoint.
  const all = await read([path], 'jsonl');
  const resumed = await read([path], 'jsonl', null, { line: 4, input: 0, offset: all.find((l) => l.line === 4)!.offsetAfter });
  assert.deepEqual(resumed.map((l) => l.line), [5, 6, 7]);
});
