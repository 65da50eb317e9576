// Unit tests for readLines / ReadProgress: numbered lines, byte offsets, over-long and binary lines, gzip, resume.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { MAX_LINE_BYTES, ReadProgress, readLines, type InputLine, type StartPoint } from '../../src/input/lineReader.js';

const CHUNK = 1 << 20; // the reader's read size

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'urlsweep-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function file(content: string | Buffer, ext = '.txt'): string {
  const p = path.join(dir, `input-${++fileCount}${ext}`);
  fs.writeFileSync(p, content);
  return p;
}

async function collect(
  paths: string[],
  from?: StartPoint,
): Promise<{ lines: InputLine[]; batches: InputLine[][]; progress: ReadProgress }> {
  const progress = new ReadProgress(paths);
  const lines: InputLine[] = [];
  const batches: InputLine[][] = [];
  for await (const batch of readLines(paths, progress, from)) {
    batches.push(batch);
    lines.push(...batch);
  }
  return { lines, batches, progress };
}

function texts(lines: InputLine[]): Array<string | null> {
  return lines.map((l) => l.text);
}

describe('readLines: numbering and text', () => {
  test('line numbers continue across several files, in order', async () => {
    const a = file('a1\na2\n');
    const b = file('b1\n');
    const c = file('c1\nc2\nc3\n');
    const { lines } = await collect([a, b, c]);
    assert.deepEqual(
      lines.map((l) => [l.line, l.input, l.text]),
      [
        [1, 0, 'a1'],
        [2, 0, 'a2'],
        [3, 1, 'b1'],
        [4, 2, 'c1'],
        [5, 2, 'c2'],
        [6, 2, 'c3'],
      ],
    );
    assert.ok(lines.every((l) => l.problem === null && l.preview === null));
  });

  test('an empty file yields nothing and does not shift later line numbers', async () => {
    const a = file('a1\n');
    const empty = file('');
    const b = file('b1\n');
    const { lines } = await collect([a, empty, b]);
    assert.deepEqual(
      lines.map((l) => [l.line, l.input, l.text]),
      [
        [1, 0, 'a1'],
        [2, 2, 'b1'],
      ],
    );
  });

  test('CRLF line endings are removed from the text', async () => {
    const { lines } = await collect([file('one\r\ntwo\r\n\r\nthree\r\n')]);
    assert.deepEqual(texts(lines), ['one', 'two', '', 'three']);
  });

  test('a last line without a newline is still a line', async () => {
    const p = file('first\nlast-without-newline');
    const { lines } = await collect([p]);
    assert.deepEqual(texts(lines), ['first', 'last-without-newline']);
    assert.equal(lines[1]!.offsetAfter, fs.statSync(p).size);
  });

  test('a final newline does not produce an extra empty line', async () => {
    const { lines } = await collect([file('a\nb\n')]);
    assert.deepEqual(texts(lines), ['a', 'b']);
  });

  test('blank lines are yielded with their own line numbers', async () => {
    const { lines } = await collect([file('a\n\n   \nb\n\n')]);
    assert.deepEqual(
      lines.map((l) => [l.line, l.text]),
      [
        [1, 'a'],
        [2, ''],
        [3, '   '],
        [4, 'b'],
        [5, ''],
      ],
    );
  });

  test('every yielded batch is a non-empty array', async () => {
    const { batches } = await collect([file('a\nb\nc\n'), file('d\n')]);
    assert.ok(batches.length > 0);
    for (const batch of batches) {
      assert.ok(Array.isArray(batch));
      assert.ok(batch.length > 0);
    }
  });

  test('offsetAfter is the byte offset just after each line ending', async () => {
    const content = 'https://example.test/\r\nbücher.example\n\n€uro 😀\nlast';
    const p = file(content);
    const buf = fs.readFileSync(p);
    const { lines } = await collect([p]);
    const expectedRaw = ['https://example.test/\r\n', 'bücher.example\n', '\n', '€uro 😀\n', 'last'];
    assert.equal(lines.length, expectedRaw.length);
    let start = 0;
    lines.forEach((l, i) => {
      assert.ok(l.offsetAfter > start, `line ${l.line} ends after it starts`);
      assert.equal(buf.subarray(start, l.offsetAfter).toString('utf8'), expectedRaw[i], `bytes of line ${l.line}`);
      start = l.offsetAfter;
    });
    assert.equal(start, buf.length);
  });
});

describe('readLines: lines that cannot be kept', () => {
  test('a line one byte over MAX_LINE_BYTES is too long; the next line is intact', async () => {
    const long = 'h'.repeat(MAX_LINE_BYTES + 1);
    const exact = 'e'.repeat(MAX_LINE_BYTES);
    const p = file(`${long}\n${exact}\nnext\n`);
    const { lines } = await collect([p]);
    assert.equal(lines.length, 3);
    const [first, second, third] = lines as [InputLine, InputLine, InputLine];
    assert.equal(first.line, 1);
    assert.equal(first.text, null);
    assert.equal(first.problem, 'too_long');
    assert.equal(first.offsetAfter, MAX_LINE_BYTES + 2);
    assert.ok(first.preview !== null && first.preview.length > 0 && /^h+$/.test(first.preview));
    assert.equal(second.text, exact, 'a line of exactly MAX_LINE_BYTES is kept');
    assert.equal(second.problem, null);
    assert.equal(second.offsetAfter, 2 * MAX_LINE_BYTES + 3);
    assert.deepEqual(third, { line: 3, text: 'next', problem: null, preview: null, input: 0, offsetAfter: 2 * MAX_LINE_BYTES + 8 });
  });

  test('a 3 MiB line spanning several chunks is too long, previewed by its first bytes, and the next line is intact', async () => {
    const head = 'https://example.test/very-long?';
    const long = head + 'q'.repeat(3 * CHUNK - head.length);
    const p = file(`first\n${long}\nhttps://after.example/\nlast\n`);
    const buf = fs.readFileSync(p);
    const { lines } = await collect([p]);
    assert.deepEqual(texts(lines), ['first', null, 'https://after.example/', 'last']);
    const tooLong = lines[1]!;
    assert.equal(tooLong.line, 2);
    assert.equal(tooLong.problem, 'too_long');
    assert.ok(tooLong.preview !== null && tooLong.preview.length >= head.length, 'a preview is kept');
    assert.ok(long.startsWith(tooLong.preview), `preview ${JSON.stringify(tooLong.preview)} is the line's start`);
    assert.ok(tooLong.preview.length <= 1024, 'the preview is short');
    assert.equal(tooLong.offsetAfter, 6 + long.length + 1);
    assert.deepEqual(lines.slice(2).map((l) => [l.line, l.offsetAfter]), [
      [3, tooLong.offsetAfter + 'https://after.example/\n'.length],
      [4, buf.length],
    ]);
  });

  test('a line with a NUL byte is binary; neighbours are intact', async () => {
    const p = file(Buffer.concat([Buffer.from('before\nab'), Buffer.from([0]), Buffer.from('cd\nafter\n')]));
    const { lines } = await collect([p]);
    assert.deepEqual(texts(lines), ['before', null, 'after']);
    assert.equal(lines[1]!.problem, 'binary');
    assert.equal(lines[1]!.line, 2);
    assert.equal(lines[1]!.offsetAfter, 'before\nab\0cd\n'.length);
    assert.ok(lines[1]!.preview !== null && lines[1]!.preview.startsWith('ab'));
    assert.ok(!/[\x00-\x1f\x7f]/.test(lines[1]!.preview), 'the preview carries no control characters');
  });

  test('a line of invalid UTF-8 is binary', async () => {
    const p = file(Buffer.concat([Buffer.from('http://x.example/'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\nok.example\n')]));
    const { lines } = await collect([p]);
    assert.deepEqual(texts(lines), [null, 'ok.example']);
    assert.equal(lines[0]!.problem, 'binary');
    assert.ok(lines[0]!.preview !== null && lines[0]!.preview.startsWith('http://x.example/'));
    assert.equal(lines[1]!.problem, null);
  });

  test('a truncated multi-byte character at the end of a line is binary', async () => {
    const euro = Buffer.from('€'); // 3 bytes
    const p = file(Buffer.concat([Buffer.from('price '), euro.subarray(0, 2), Buffer.from('\r\n')]));
    const { lines } = await collect([p]);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.problem, 'binary');
  });
});

describe('readLines: multi-byte text across chunk boundaries', () => {
  test('characters split by a 1 MiB chunk boundary decode correctly', async () => {
    const pieces = ['é', '€', '😀', 'ü', '𝄞', 'ж'];
    const expected: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 2.5 * CHUNK; i++) {
      const piece = pieces[i % pieces.length]!;
      const text = `${i}:` + piece.repeat(1 + (i % 37));
      expected.push(text);
      bytes += Buffer.byteLength(text) + 1;
    }
    // Pad the start so that both chunk boundaries fall inside a multi-byte character.
    const body = expected.join('\n') + '\n';
    let buf: Buffer | undefined;
    let padding = '';
    for (let pad = 0; pad < 64 && !buf; pad++) {
      const candidate = Buffer.from('p'.repeat(pad) + '\n' + body);
      if ((candidate[CHUNK]! & 0xc0) === 0x80 && (candidate[2 * CHUNK]! & 0xc0) === 0x80) {
        buf = candidate;
        padding = 'p'.repeat(pad);
      }
    }
    assert.ok(buf, 'precondition: a padding puts both chunk boundaries inside characters');
    assert.ok(buf.length > 2 * CHUNK);
    const p = file(buf);
    const { lines } = await collect([p]);
    assert.equal(lines.length, expected.length + 1);
    assert.equal(lines[0]!.text, padding);
    assert.deepEqual(texts(lines.slice(1)), expected);
    assert.ok(lines.every((l) => l.problem === null));
    assert.equal(lines.at(-1)!.offsetAfter, buf.length);
  });
});

describe('readLines: gzip input', () => {
  test('a .gz file is decompressed transparently, with offsetAfter -1', async () => {
    const plain = file('p1\n');
    const gz = file(zlib.gzipSync(Buffer.from('g1\r\ng2\n\ng3')), '.gz');
    const { lines, progress } = await collect([plain, gz]);
    assert.deepEqual(
      lines.map((l) => [l.line, l.input, l.text, l.offsetAfter]),
      [
        [1, 0, 'p1', 3],
        [2, 1, 'g1', -1],
        [3, 1, 'g2', -1],
        [4, 1, '', -1],
        [5, 1, 'g3', -1],
      ],
    );
    assert.equal(progress.totalBytes, fs.statSync(plain).size + fs.statSync(gz).size);
    assert.equal(progress.fraction, 1);
  });

  test('an upper-case .GZ extension is decompressed as well', async () => {
    const gz = file(zlib.gzipSync(Buffer.from('x.example\n')), '.GZ');
    const { lines } = await collect([gz]);
    assert.deepEqual(texts(lines), ['x.example']);
  });

  test('a start point inside a .gz input reads from the beginning', async () => {
    const gz = file(zlib.gzipSync(Buffer.from('g1\ng2\ng3\n')), '.gz');
    const { lines } = await collect([gz], { line: 2, input: 0, offset: 6 });
    assert.deepEqual(
      lines.map((l) => [l.line, l.text]),
      [
        [1, 'g1'],
        [2, 'g2'],
        [3, 'g3'],
      ],
    );
  });

  test('a start point in a .gz second input restarts from the first input', async () => {
    const plain = file('p1\np2\n');
    const gz = file(zlib.gzipSync(Buffer.from('g1\ng2\n')), '.gz');
    const { lines } = await collect([plain, gz], { line: 3, input: 1, offset: -1 });
    assert.deepEqual(
      lines.map((l) => [l.line, l.input, l.text]),
      [
        [1, 0, 'p1'],
        [2, 0, 'p2'],
        [3, 1, 'g1'],
        [4, 1, 'g2'],
      ],
    );
  });
});

describe('readLines: resuming from a start point', () => {
  test('resuming in a plain file yields exactly the lines after the point, with their numbers', async () => {
    const a = file('a1\na2\na3\n');
    const b = file('b1\nb2\n');
    const full = await collect([a, b]);
    for (const point of full.lines) {
      const from = { line: point.line, input: point.input, offset: point.offsetAfter };
      const { lines } = await collect([a, b], from);
      assert.deepEqual(lines, full.lines.slice(point.line), `resume after line ${point.line}`);
    }
  });

  test('resuming at offset 0 of the second input continues with its first line', async () => {
    const a = file('a1\na2\n');
    const b = file('b1\nb2\n');
    const { lines } = await collect([a, b], { line: 2, input: 1, offset: 0 });
    assert.deepEqual(
      lines.map((l) => [l.line, l.input, l.text, l.offsetAfter]),
      [
        [3, 1, 'b1', 3],
        [4, 1, 'b2', 6],
      ],
    );
  });

  test('a start point at line 0 reads everything', async () => {
    const a = file('a1\na2\n');
    const { lines } = await collect([a], { line: 0, input: 0, offset: 0 });
    assert.deepEqual(texts(lines), ['a1', 'a2']);
  });

  test('resuming in the middle of the first file brings fraction to 1', async () => {
    const a = file('a1\na2\na3\n');
    const { lines, progress } = await collect([a], { line: 1, input: 0, offset: 3 });
    assert.deepEqual(texts(lines), ['a2', 'a3']);
    assert.equal(progress.fraction, 1);
  });

  test(
    'resuming in the second input brings fraction to 1 (the skipped first input counts as read)',
    async () => {
      const a = file('a1\na2\na3\n'); // 9 bytes
      const b = file('b1\nb2\n'); // 6 bytes
      const { lines, progress } = await collect([a, b], { line: 4, input: 1, offset: 3 });
      assert.deepEqual(texts(lines), ['b2']);
      assert.equal(progress.totalBytes, 15);
      assert.equal(progress.bytesRead, 15);
      assert.equal(progress.fraction, 1);
    },
  );
});

describe('ReadProgress', () => {
  test('totalBytes is the sum of the input sizes and fraction starts at 0', () => {
    const a = file('x'.repeat(1000));
    const b = file('y'.repeat(234));
    const progress = new ReadProgress([a, b]);
    assert.equal(progress.totalBytes, 1234);
    assert.equal(progress.bytesRead, 0);
    assert.equal(progress.fraction, 0);
  });

  test('fraction reaches 1 after reading every input', async () => {
    const a = file('a\n'.repeat(5000));
    const b = file('b\n'.repeat(100));
    const { progress } = await collect([a, b]);
    assert.equal(progress.bytesRead, 10_200);
    assert.equal(progress.fraction, 1);
  });

  test('fraction grows while reading a multi-chunk file', async () => {
    const p = file(`https://u.example/${'x'.repeat(82)}\n`.repeat(30_000)); // ~3 MiB: several chunks
    const progress = new ReadProgress([p]);
    const seen: number[] = [];
    for await (const _batch of readLines([p], progress)) seen.push(progress.fraction!);
    assert.ok(seen.length >= 3, `several batches (${seen.length})`);
    assert.ok(seen[0]! < 1, 'not complete after the first chunk');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, 'never goes backwards');
    assert.equal(seen.at(-1), 1);
  });

  test('stdin has no known total', () => {
    const a = file('a\n');
    const progress = new ReadProgress([a, '-']);
    assert.equal(progress.totalBytes, null);
    assert.equal(progress.fraction, null);
  });
});
