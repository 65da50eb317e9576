// A corpus of nasty input lines, as real lists hold them (byte-order marks, NULs, binary junk, lone CRs,
// IDN, numeric IPv4 forms, credentials, a 10 MB line), swept end to end: every line gets exactly one
// row, with what a careful client records, and the sweep goes on past each.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runSweep } from '../src/sweep.js';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../src/sim/index.js';
import { Codes } from '../src/errors.js';
import { readDb, simOptions, tempDir } from './support/simSweep.js';

let sim: SimInternet;
let hostile: HostileOrigin;
const temp = tempDir();
before(async () => {
  sim = await startSimInternet();
  hostile = await startHostileOrigin();
});
after(async () => {
  await hostile.close();
  await sim.close();
  temp.remove();
});

test('every nasty line gets one row with the outcome a careful client records', { timeout: 60_000 }, async () => {
  const p = hostile.port;
  // [the line's bytes, outcome, code or status, final_url when answered]
  const corpus: Array<[line: Buffer | string, outcome: string, codeOrStatus: string | number, finalUrl?: string]> = [
    ['\uFEFFhttp://fine-bom.test/', 'response', 200, 'http://fine-bom.test/'],
    ['http://fine-nul.test/a\0b', 'invalid_url', Codes.binaryLine],
    [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x1a, 0xff, 0xfe, 0x00, 0x01]), 'invalid_url', Codes.binaryLine],
    ['http://fine-cr.test/a\rhttp://fine-cr2.test/', 'invalid_url', Codes.invalidUrl],
    ['http://fine-crlf.test/\r', 'response', 200, 'http://fine-crlf.test/'],
    ['http://bücher-idn.test/', 'response', 200, 'http://xn--bcher-idn-q9a.test/'],
    [`http://2130706433:${p}/ok`, 'response', 200, `http://127.0.0.1:${p}/ok`],
    [`http://0x7f.1:${p}/ok`, 'response', 200, `http://127.0.0.1:${p}/ok`],
    [`http://0177.0.0.1:${p}/ok`, 'response', 200, `http://127.0.0.1:${p}/ok`],
    ['http://256.256.256.256/', 'invalid_url', Codes.invalidUrl],
    ['http://user:secret@fine-userinfo.test/', 'response', 200, 'http://fine-userinfo.test/'],
    [`http://fine-long.test/${'a'.repeat(10 * 1024 * 1024)}`, 'invalid_url', Codes.lineTooLong],
    ['HTTP://FINE-UPPER.TEST/Path', 'response', 200, 'http://fine-upper.test/Path'],
    ['http://fine-dot.test./', 'response', 200, 'http://fine-dot.test./'],
    ['javascript:alert(1)', 'invalid_url', Codes.unsupportedScheme],
    ['http://exa mple.test/', 'invalid_url', Codes.invalidUrl],
    ['  http://fine-padded.test/  ', 'response', 200, 'http://fine-padded.test/'],
    [Buffer.from('http://fine-latin1.test/caf\xe9', 'latin1'), 'invalid_url', Codes.binaryLine],
    ['http://fine-after.test/', 'response', 200, 'http://fine-after.test/'],
  ];
  const options = simOptions(sim, temp.dir, { db: `${temp.dir}/nasty.db`, retries: 0 });
  // Blank lines and comments among them take no row.
  const bytes = corpus.flatMap(([line]) => [Buffer.from(line), Buffer.from('\n\n# a comment\n')]);
  writeFileSync(options.inputs[0]!, Buffer.concat(bytes));
  const summary = await runSweep(options);
  const { rows } = readDb(options.db);
  assert.equal(summary.total, corpus.length);
  assert.deepEqual(rows.map((r) => r.line), corpus.map((_, i) => 1 + 3 * i), 'one row per line, at its physical line number');
  corpus.forEach(([line, outcome, codeOrStatus, finalUrl], i) => {
    const r = rows[i]!;
    const what = `line ${r.line} (${String(line).slice(0, 40)}): ${r.error_code} ${r.error_message}`;
    assert.equal(r.outcome, outcome, what);
    if (typeof codeOrStatus === 'number') assert.equal(r.status, codeOrStatus, what);
    else assert.equal(r.error_code, codeOrStatus, what);
    if (finalUrl) assert.equal(r.final_url, finalUrl, what);
  });
  assert.ok(rows.every((r) => r.url.length <= 200_000), 'an over-long line is not stored whole');
});
