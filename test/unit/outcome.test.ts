// Unit tests for the failure → outcome mapping and the retry / fallback predicates.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome } from '../../src/messages.js';
import { classify, codeOf, isNoAnswer, isTransientError, isTransientStatus, shortMessage, type Phase } from '../../src/result/outcome.js';
import { CodedError, Codes } from '../../src/result/errors.js';

describe('classify', () => {
  const rows: Array<[code: string | undefined, phase: Phase | undefined, outcome: Outcome]> = [
    // Name resolution: any code in the dns phase.
    ['ENOTFOUND', 'dns', 'dns_error'],
    ['ENODATA', 'dns', 'dns_error'],
    ['ESERVFAIL', 'dns', 'dns_error'],
    ['ETIMEOUT', 'dns', 'dns_error'],
    ['ECONNREFUSED', 'dns', 'dns_error'],
    [undefined, 'dns', 'dns_error'],
    // Connection refused, or closed while connecting.
    ['ECONNREFUSED', 'request', 'connect_refused'],
    ['ECONNREFUSED', 'connect', 'connect_refused'],
    ['ECONNREFUSED', undefined, 'connect_refused'],
    ['ECONNRESET', 'connect', 'connect_refused'],
    ['EPIPE', 'connect', 'connect_refused'],
    ['UND_ERR_SOCKET', 'connect', 'connect_refused'],
    ['ECONNRESET', 'request', 'protocol_error'],
    ['ECONNRESET', undefined, 'protocol_error'],
    // Connect timeouts.
    ['UND_ERR_CONNECT_TIMEOUT', 'connect', 'connect_timeout'],
    ['ETIMEDOUT', 'connect', 'connect_timeout'],
    ['URLSWEEP_CONNECT_DEADLINE', 'connect', 'connect_timeout'],
    ['URLSWEEP_CONNECT_DEADLINE', 'request', 'connect_timeout'],
    // Other connect failures.
    ['EHOSTUNREACH', 'connect', 'connect_error'],
    ['ENETUNREACH', 'connect', 'connect_error'],
    ['EADDRNOTAVAIL', 'connect', 'connect_error'],
    // TLS.
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'connect', 'tls_error'],
    ['CERT_HAS_EXPIRED', 'connect', 'tls_error'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'connect', 'tls_error'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'connect', 'tls_error'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'connect', 'tls_error'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'connect', 'tls_error'],
    ['EPROTO', 'connect', 'tls_error'],
    ['HOSTNAME_MISMATCH', 'request', 'tls_error'],
    // Timeouts after the connection.
    ['UND_ERR_HEADERS_TIMEOUT', 'request', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'request', 'timeout'],
    ['URLSWEEP_DEADLINE', 'request', 'timeout'],
    // Protocol errors.
    ['UND_ERR_SOCKET', 'request', 'protocol_error'],
    ['HPE_INVALID_CONSTANT', 'request', 'protocol_error'],
    ['HPE_INVALID_RESPONSE', 'request', 'protocol_error'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'request', 'protocol_error'],
    // Redirects.
    ['URLSWEEP_TOO_MANY_REDIRECTS', 'request', 'too_many_redirects'],
    ['URLSWEEP_REDIRECT_LOOP', 'request', 'too_many_redirects'],
    // Bad input.
    ['URLSWEEP_INVALID_URL', 'request', 'invalid_url'],
    ['URLSWEEP_UNSUPPORTED_SCHEME', 'request', 'invalid_url'],
    ['URLSWEEP_LINE_TOO_LONG', 'request', 'invalid_url'],
    ['URLSWEEP_BINARY_LINE', 'request', 'invalid_url'],
    // Proxies: their refusals are their own, in whichever phase; a CONNECT left unanswered is a connect timeout.
    ['URLSWEEP_PROXY_UNREACHABLE', 'connect', 'proxy_error'],
    ['URLSWEEP_PROXY_REFUSED', 'connect', 'proxy_error'],
    ['URLSWEEP_PROXY_AUTH', 'connect', 'proxy_error'],
    ['URLSWEEP_PROXY_TIMEOUT', 'connect', 'connect_timeout'],
    // Unknown or missing codes.
    ['E_SOMETHING_NEW', 'request', 'protocol_error'],
    ['E_SOMETHING_NEW', 'connect', 'protocol_error'],
    [undefined, 'request', 'protocol_error'],
  ];
  for (const [code, phase, outcome] of rows) {
    test(`${code ?? '(no code)'} in phase ${phase ?? '(default)'} → ${outcome}`, () => {
      assert.equal(phase === undefined ? classify(code) : classify(code, phase), outcome);
    });
  }

  test('the Codes constants carry the URLSWEEP_ strings classify knows', () => {
    assert.equal(classify(Codes.deadline), 'timeout');
    assert.equal(classify(Codes.connectDeadline), 'connect_timeout');
    assert.equal(classify(Codes.tooManyRedirects), 'too_many_redirects');
    assert.equal(classify(Codes.redirectLoop), 'too_many_redirects');
    assert.equal(classify(Codes.invalidUrl), 'invalid_url');
    assert.equal(classify(Codes.unsupportedScheme), 'invalid_url');
    assert.equal(classify(Codes.lineTooLong), 'invalid_url');
    assert.equal(classify(Codes.binaryLine), 'invalid_url');
  });
});

describe('isTransientError', () => {
  // Each with why it may pass on a second try.
  const transient: Array<[code: string, why: string]> = [
    ['UND_ERR_CONNECT_TIMEOUT', 'a connect that took too long (a busy host, a lost SYN)'],
    ['URLSWEEP_PROXY_TIMEOUT', 'a proxy that did not answer CONNECT in time'],
    ['ETIMEDOUT', "the kernel's own connect timeout"],
    ['UND_ERR_HEADERS_TIMEOUT', 'headers that did not come in time'],
    ['UND_ERR_BODY_TIMEOUT', 'a body that paused too long'],
    ['ECONNRESET', 'a reset: overload, a restart'],
    ['EPIPE', 'a connection closed while writing'],
    ['UND_ERR_SOCKET', 'a connection closed under the request'],
    ['EADDRNOTAVAIL', 'no local port free just now'],
    ['ETIMEOUT', 'a DNS server that did not answer'],
    ['ESERVFAIL', 'a DNS server that failed'],
  ];
  const permanent = ['ENOTFOUND', 'ECONNREFUSED', 'CERT_HAS_EXPIRED', 'HPE_INVALID_CONSTANT', 'URLSWEEP_DEADLINE', 'URLSWEEP_INVALID_URL'];
  for (const [code, why] of transient) test(`${code} is worth a retry: ${why}`, () => assert.equal(isTransientError(code), true));
  for (const code of permanent) test(`${code} is not worth a retry`, () => assert.equal(isTransientError(code), false));
  test('a missing code is not worth a retry', () => assert.equal(isTransientError(undefined), false));
});

describe('isTransientStatus', () => {
  for (const status of [429, 502, 503, 504]) test(`${status} is worth a retry`, () => assert.equal(isTransientStatus(status), true));
  for (const status of [200, 301, 400, 404, 500, 501]) {
    test(`${status} is not worth a retry`, () => assert.equal(isTransientStatus(status), false));
  }
});

describe('isNoAnswer', () => {
  const noAnswer: Outcome[] = ['connect_refused', 'connect_timeout', 'connect_error', 'tls_error', 'proxy_error'];
  const answered: Outcome[] = ['response', 'invalid_url', 'dns_error', 'timeout', 'protocol_error', 'too_many_redirects', 'blocked'];
  for (const outcome of noAnswer) test(`${outcome} means HTTPS got no answer`, () => assert.equal(isNoAnswer(outcome), true));
  for (const outcome of answered) test(`${outcome} is not "no answer"`, () => assert.equal(isNoAnswer(outcome), false));
});

describe('codeOf', () => {
  test('an Error with a code gives that code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(codeOf(err), 'ECONNREFUSED');
  });

  test('a CodedError gives its own code', () => {
    assert.equal(codeOf(new CodedError(Codes.redirectLoop, 'loop')), 'URLSWEEP_REDIRECT_LOOP');
  });

  test('an HTTPParserError without a code gives HPE_INVALID_RESPONSE', () => {
    class HTTPParserError extends Error {
      constructor() {
        super('Response does not match the HTTP/1.1 protocol');
        this.name = 'HTTPParserError';
      }
    }
    assert.equal(codeOf(new HTTPParserError()), 'HPE_INVALID_RESPONSE');
    assert.equal(codeOf({ name: 'HTTPParserError' }), 'HPE_INVALID_RESPONSE');
  });

  test('an HTTPParserError that has a code keeps it', () => {
    assert.equal(codeOf({ name: 'HTTPParserError', code: 'HPE_INVALID_CONSTANT' }), 'HPE_INVALID_CONSTANT');
  });

  test('a plain Error gives UNKNOWN', () => {
    assert.equal(codeOf(new Error('boom')), 'UNKNOWN');
  });

  test('an empty code is not a code', () => {
    assert.equal(codeOf(Object.assign(new Error('x'), { code: '' })), 'UNKNOWN');
  });

  test('an Error subclass without a code gives its class name', () => {
    assert.equal(codeOf(new TypeError('bad')), 'TypeError');
  });

  test('non-objects give UNKNOWN', () => {
    for (const value of [null, undefined, 'ECONNRESET', 42]) assert.equal(codeOf(value), 'UNKNOWN', String(value));
  });
});

describe('shortMessage', () => {
  test('keeps only the first line of an Error message', () => {
    assert.equal(shortMessage(new Error('first line\nsecond line\nthird')), 'first line');
  });

  test('a short single line is returned as it is', () => {
    assert.equal(shortMessage(new Error('connect ECONNREFUSED 127.0.0.1:443')), 'connect ECONNREFUSED 127.0.0.1:443');
  });

  test("OpenSSL's error-queue codes before its words are dropped", () => {
    const err = new Error('C0E67F8F8F7F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n');
    assert.equal(shortMessage(err), 'TLS: wrong version number');
  });

  test("an OpenSSL alert keeps its words after the source file's name", () => {
    const err = new Error('C0E6:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:SSL alert number 40');
    assert.equal(shortMessage(err), 'TLS: sslv3 alert handshake failure (SSL alert number 40)');
  });

  test('a line of exactly 200 characters is not cut', () => {
    const text = 'x'.repeat(200);
    assert.equal(shortMessage(new Error(text)), text);
  });

  test('a longer line is capped at 200 characters, ending in an ellipsis', () => {
    const text = 'abcdefghij'.repeat(50);
    const short = shortMessage(new Error(text + '\nmore'));
    assert.equal(short.length, 200);
    assert.ok(short.endsWith('...'));
    assert.ok(text.startsWith(short.slice(0, -3)));
  });

  test('a non-Error value is stringified', () => {
    assert.equal(shortMessage('plain text\nrest'), 'plain text');
    assert.equal(shortMessage(42), '42');
  });

  test('an empty message stays empty', () => {
    assert.equal(shortMessage(new Error('')), '');
  });
});

test('phase matters for kernel timeouts and late name lookups (regression)', () => {
  assert.equal(classify('ETIMEDOUT', 'connect'), 'connect_timeout');
  assert.equal(classify('ETIMEDOUT', 'request'), 'timeout');
  assert.equal(classify('ENOTFOUND', 'connect'), 'dns_error');
  assert.equal(classify('EAI_AGAIN', 'connect'), 'dns_error');
});
