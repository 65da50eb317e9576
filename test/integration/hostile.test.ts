// Hostile and broken servers, and nasty input lines: what a careful client records for each
// (src/sim/hostileOrigin.ts). First, the total --timeout holds on a host's first request as on its
// thousandth: through a name still to be resolved as through an IP, while a body trickles, while headers
// trickle, while a TLS handshake stalls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { defaultOptions } from '../../src/options/sweepOptions.js';
import { BOMB_BYTES, CHAIN_HOSTS } from '../../src/sim/hostileOrigin.js';
import { Codes } from '../../src/result/errors.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { readDb, row, simOptions, sweepLines } from '../support/simSweep.js';
import { readBackWarc, type StoredRow } from '../support/warcReader.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';

const TIMEOUT_MS = 2_000;
/** A row may end this much after the deadline: the timer's own lateness on a busy machine, and recording. */
const LATE_MS = 1_000;

const web = useSimulatedWeb({ hostile: true });

test('the total timeout ends every stage, through a name as through an IP', { timeout: 60_000 }, async () => {
  const p = web.hostile.port;
  // Each name is new to the sweep: its first request waits for the simulated DNS first. Every other
  // timeout is set far beyond the total one, so only the total deadline can end these URLs.
  const cases: Array<[url: string, outcome: string, code: string]> = [
    [`http://fine-trickle.test:${p}/trickle`, 'timeout', Codes.deadline],
    [`http://127.0.0.1:${p}/trickle`, 'timeout', Codes.deadline],
    [`http://fine-slowheaders.test:${p}/slowheaders`, 'timeout', Codes.deadline],
    [`http://127.0.0.1:${p}/slowheaders?ip`, 'timeout', Codes.deadline],
    [`https://fine-tlsstall.test:${p}/`, 'connect_timeout', Codes.connectDeadline],
    [`https://127.0.0.1:${p}/`, 'connect_timeout', Codes.connectDeadline],
  ];
  const result = await sweepLines(
    web.sim,
    web.dir,
    cases.map(([url]) => url),
    { method: 'GET', timeoutMs: TIMEOUT_MS, connectTimeoutMs: 30_000, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, retries: 0 },
  );
  for (const [url, outcome, code] of cases) {
    const r = row(result, url);
    assert.equal(r.outcome, outcome, `${url}: ${r.error_code} ${r.error_message}`);
    assert.equal(r.error_code, code, url);
    assert.ok(r.elapsed_ms! >= TIMEOUT_MS - 1 && r.elapsed_ms! <= TIMEOUT_MS + LATE_MS, `${url} ended after ${r.elapsed_ms} ms`);
  }
});

for (const method of ['HEAD', 'GET'] as const) {
  test(`${method}: an interim 103 answer's headers never become the final answer's`, async () => {
    const url = `http://127.0.0.1:${web.hostile.port}/early`;
    const result = await sweepLines(web.sim, web.dir, [url], { method, db: `${web.dir}/early-${method}.db` });
    const r = row(result, url);
    assert.equal(r.outcome, 'response', `${r.error_code} ${r.error_message}`);
    // The final 301 has no Location to follow and no Content-Type; the 103 before it had both.
    assert.equal(r.status, 301);
    assert.equal(r.content_type, null);
    assert.equal(r.redirects, 0);
    assert.equal(r.final_url, url);
  });
}

test('a status line outside 100-999 is a protocol error with a code of its own, not an internal one', async () => {
  const urls = ['status042', 'status000'].map((b) => `http://127.0.0.1:${web.hostile.port}/${b}`);
  const result = await sweepLines(web.sim, web.dir, urls, { db: `${web.dir}/status.db`, retries: 0 });
  for (const url of urls) {
    const r = row(result, url);
    assert.equal(r.outcome, 'protocol_error', url);
    assert.equal(r.error_code, Codes.badStatus, `${url}: ${r.error_message}`);
    assert.match(r.error_message!, /status \d+ is not an HTTP status/);
  }
});

test('a host that accepts and never answers is down after --host-errors timeouts in a row, not one --timeout per URL', { timeout: 60_000 }, async () => {
  // Twenty URLs of one silent host, two at a time: one --timeout after another would take 10 s.
  const urls = Array.from({ length: 20 }, (_, i) => `http://127.0.0.1:${web.hostile.port}/silent?${i}`);
  const result = await sweepLines(web.sim, web.dir, urls, { db: `${web.dir}/silent.db`, perHost: 2, hostErrors: 4, timeoutMs: 1_000, retries: 0, threads: 1 });
  const timedOut = result.rows.filter((r) => r.error_code === Codes.deadline);
  const untried = result.rows.filter((r) => r.error_code === Codes.hostDown);
  assert.equal(result.rows.length, 20);
  assert.ok(timedOut.length >= 4 && timedOut.length <= 5, `${timedOut.length} URLs timed out (4, and one more in flight at most)`);
  assert.equal(untried.length, 20 - timedOut.length);
  for (const r of untried) {
    assert.equal(r.outcome, 'timeout');
    assert.equal(r.attempts, 0);
    assert.match(r.error_message!, /^not tried: host down after 4 failures in a row with no answer \(4 URLs of this host failed first; last: timeout URLSWEEP_DEADLINE\)/);
  }
});

test('headers up to what browsers accept are read (a 40 KB cookie flood); an endless header block is cut off', async () => {
  const cookies = `http://127.0.0.1:${web.hostile.port}/cookies`;
  const flood = `http://127.0.0.1:${web.hostile.port}/headerflood`;
  const result = await sweepLines(web.sim, web.dir, [cookies, flood], { db: `${web.dir}/headers.db`, retries: 0 });
  const ok = row(result, cookies);
  assert.equal(ok.outcome, 'response', `${ok.error_code} ${ok.error_message}`);
  assert.equal(ok.status, 200);
  const cut = row(result, flood);
  assert.equal(cut.outcome, 'protocol_error');
  assert.equal(cut.error_code, 'UND_ERR_HEADERS_OVERFLOW');
});

test('a host whose bodies run out of time did answer: it is never found down for it', { timeout: 60_000 }, async () => {
  const urls = Array.from({ length: 10 }, (_, i) => `http://127.0.0.1:${web.hostile.port}/trickle?${i}`);
  const result = await sweepLines(web.sim, web.dir, urls, { db: `${web.dir}/trickle.db`, method: 'GET', perHost: 2, hostErrors: 3, timeoutMs: 1_000, retries: 0, threads: 1 });
  assert.equal(result.rows.length, 10);
  for (const r of result.rows) assert.equal(r.error_code, Codes.deadline, `${r.url}: ${r.error_message}`);
});

for (const [behaviour, method] of [['strayhead', 'HEAD'], ['lyingkeepalive', 'GET']] as const) {
  test(`${behaviour}: a kept-alive connection the server spoilt fails no URL (once more on a connection of its own)`, async () => {
    // One connection at a time to one host: every URL after the first goes on the spoilt connection.
    const urls = Array.from({ length: 36 }, (_, i) => `http://127.0.0.1:${web.hostile.port}/${behaviour}?${i}`);
    const result = await sweepLines(web.sim, web.dir, urls, { db: `${web.dir}/${behaviour}.db`, method, perHost: 1, retries: 0, threads: 1 });
    assert.equal(result.rows.length, 36);
    const failed = result.rows.filter((r) => r.outcome !== 'response');
    assert.deepEqual(failed.map((r) => `${r.url} ${r.error_code}`), []);
    for (const r of result.rows) assert.equal(r.status, 200);
  });
}

/** What a careful client records for each hostile answer: [path, HEAD's outcome/status/code, GET's]. */
type Expect = { outcome: string; status?: number; code?: string };
const answers: Array<[path: string, head: Expect, get: Expect]> = [
  // GET reads an endless body up to --max-body, then stops: the answer stands, truncated.
  ['endless', { outcome: 'response', status: 200 }, { outcome: 'response', status: 200 }],
  ['gzipbomb', { outcome: 'response', status: 200 }, { outcome: 'response', status: 200 }],
  ['brbomb', { outcome: 'response', status: 200 }, { outcome: 'response', status: 200 }],
  ['badchunk', { outcome: 'response', status: 200 }, { outcome: 'protocol_error', code: 'HPE_INVALID_RESPONSE' }],
  ['shortbody', { outcome: 'response', status: 200 }, { outcome: 'protocol_error', code: 'UND_ERR_SOCKET' }],
  ['infoflood', { outcome: 'response', status: 200 }, { outcome: 'response', status: 200 }],
  ['continue100', { outcome: 'response', status: 200 }, { outcome: 'response', status: 200 }],
  ['infoendless', { outcome: 'timeout', code: Codes.deadline }, { outcome: 'timeout', code: Codes.deadline }],
  ['http09', { outcome: 'protocol_error', code: 'HPE_INVALID_RESPONSE' }, { outcome: 'protocol_error', code: 'HPE_INVALID_RESPONSE' }],
  // Redirects that are not followed (not http(s), or a Location longer than an input line may be) are the answer: the 302 itself.
  ['tofile', { outcome: 'response', status: 302 }, { outcome: 'response', status: 302 }],
  ['tojs', { outcome: 'response', status: 302 }, { outcome: 'response', status: 302 }],
  ['hugelocation', { outcome: 'response', status: 302 }, { outcome: 'response', status: 302 }],
  ['chain/0', { outcome: 'too_many_redirects', code: Codes.tooManyRedirects }, { outcome: 'too_many_redirects', code: Codes.tooManyRedirects }],
  ['queryloop?n=0', { outcome: 'too_many_redirects', code: Codes.tooManyRedirects }, { outcome: 'too_many_redirects', code: Codes.tooManyRedirects }],
];

for (const method of ['HEAD', 'GET'] as const) {
  test(`${method}: broken bodies, bombs, interim floods, HTTP/0.9 and hostile redirects each get one row, the right outcome, within the deadline`, { timeout: 60_000 }, async () => {
    const p = web.hostile.port;
    // Each through a name of its own (c0.… for the chain: its hops replace the first label), and the TLS
    // cases: a plain HTTP answer to a ClientHello, and bytes that are not TLS.
    const urls = answers.map(([path]) => `http://${path.startsWith('chain') ? 'c0.chain' : `fine-${path.replace(/\W.*/, '')}`}.test:${p}/${path}`);
    const tls = [`https://plainhttp-a.test:${p}/`, `https://tlsgarbage-a.test:${p}/`];
    const result = await sweepLines(web.sim, web.dir, [...urls, ...tls], {
      db: `${web.dir}/answers-${method}.db`,
      method,
      // GET keeps the answers too: what hostile servers send must not tear the WARC files.
      storeBodies: method === 'GET',
      timeoutMs: TIMEOUT_MS,
      connectTimeoutMs: 30_000,
      headersTimeoutMs: 30_000,
      bodyTimeoutMs: 30_000,
      retries: 0,
    });
    assert.equal(result.rows.length, urls.length + tls.length);
    answers.forEach(([path, head, get], i) => {
      const expected = method === 'HEAD' ? head : get;
      const r = row(result, urls[i]!);
      const seen = { outcome: r.outcome, ...(expected.status === undefined ? {} : { status: r.status }), ...(expected.code === undefined ? {} : { code: r.error_code }) };
      assert.deepEqual(seen, expected, `${path}: ${r.error_code} ${r.error_message}`);
      assert.ok(r.elapsed_ms! <= TIMEOUT_MS + LATE_MS, `${path} ended after ${r.elapsed_ms} ms`);
    });
    const at = (path: string) => row(result, urls[answers.findIndex(([p]) => p === path)]!);
    // A bomb is decoded up to --max-body only: what is counted is what came over the wire.
    assert.ok(at('gzipbomb').content_length! < BOMB_BYTES / 100);
    if (method === 'GET') {
      const maxBody = defaultOptions().maxBody;
      for (const path of ['gzipbomb', 'brbomb', 'endless']) {
        const r = at(path);
        assert.equal(r.truncated, 1, path);
        // The decoded cap: what was hashed is --max-body of zeros (the bombs' payload) or of the endless body.
        if (path !== 'endless') assert.equal(r.body_sha256, createHash('sha256').update(Buffer.alloc(maxBody)).digest('hex'), path);
      }
      assert.ok(at('endless').content_length! >= maxBody && at('endless').content_length! < maxBody + (1 << 20), 'the endless body read to the cap and no further');
      // Every answer that stands is stored, whole (the reader checks it); no failure is. The record says it
      // was cut only when the wire was (the endless body): a bomb's few wire bytes are all kept.
      const warc = readBackWarc(result.dbPath);
      for (const r of result.rows) {
        if (r.outcome !== 'response') assert.equal(r.warc_file, null, r.url);
        else assert.equal(warc.stored(r as StoredRow).response.truncated, r.url.endsWith('/endless') ? 'length' : null, r.url);
      }
    }
    for (const unfollowed of ['tofile', 'tojs', 'hugelocation']) {
      assert.equal(at(unfollowed).redirects, 0);
      assert.equal(at(unfollowed).final_url, at(unfollowed).url);
    }
    assert.equal(at('chain/0').redirects, 11);
    for (const url of tls) {
      const r = row(result, url);
      assert.equal(r.outcome, 'tls_error', `${url}: ${r.error_code} ${r.error_message}`);
      assert.equal(r.error_code, 'ERR_SSL_WRONG_VERSION_NUMBER');
      assert.equal(r.error_message, 'TLS: wrong version number');
    }
  });
}

test(`a chain of ${CHAIN_HOSTS} hosts is followed to its end when --max-redirects allows it`, async () => {
  const url = `http://c0.chain.test:${web.hostile.port}/chain/0`;
  const result = await sweepLines(web.sim, web.dir, [url], { db: `${web.dir}/chain.db`, maxRedirects: 60 });
  const r = row(result, url);
  assert.equal(r.status, 200, `${r.error_code} ${r.error_message}`);
  assert.equal(r.redirects, CHAIN_HOSTS);
  assert.equal(r.final_url, `http://c${CHAIN_HOSTS}.chain.test:${web.hostile.port}/chain/${CHAIN_HOSTS}`);
  assert.equal(result.hops(r.line).length, CHAIN_HOSTS);
});

test('a body longer than its Content-Length spoils no other URL on the connection', async () => {
  const urls = Array.from({ length: 24 }, (_, i) => `http://127.0.0.1:${web.hostile.port}/longbody?${i}`);
  const result = await sweepLines(web.sim, web.dir, urls, { db: `${web.dir}/longbody.db`, method: 'GET', perHost: 1, retries: 0, threads: 1 });
  assert.deepEqual(result.rows.filter((r) => r.status !== 200).map((r) => `${r.url} ${r.error_code}`), []);
});

test('a bare name whose HTTPS port answers a ClientHello in plain HTTP falls back to HTTP at once', async () => {
  const line = `plainhttp-bare.test:${web.hostile.port}/ok`;
  const result = await sweepLines(web.sim, web.dir, [line], { db: `${web.dir}/bare.db` });
  const r = row(result, line);
  assert.equal(r.status, 200, `${r.error_code} ${r.error_message}`);
  assert.equal(r.final_url, `http://plainhttp-bare.test:${web.hostile.port}/ok`);
  // The HTTPS attempt and the HTTP one: no retry of HTTPS, no back-off.
  assert.equal(r.attempts, 2);
});

// A corpus of nasty input lines, as real lists hold them (byte-order marks, NULs, binary junk, lone CRs,
// IDN, numeric IPv4 forms, credentials, a 10 MB line), swept end to end: every line gets exactly one
// row, with what a careful client records, and the sweep goes on past each.
test('every nasty line gets one row with the outcome a careful client records', { timeout: 60_000 }, async () => {
  const p = web.hostile.port;
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
  const options = simOptions(web.sim, web.dir, { db: `${web.dir}/nasty.db`, retries: 0 });
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
