// Unit tests for parseLine: one input line → skip, a request target, or the reason it is not a URL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_URL_LENGTH, parseLine } from '../../src/input/parseLine.js';

const INVALID_URL = 'URLSWEEP_INVALID_URL';
const UNSUPPORTED_SCHEME = 'URLSWEEP_UNSUPPORTED_SCHEME';
const LINE_TOO_LONG = 'URLSWEEP_LINE_TOO_LONG';

function assertInvalid(raw: string, code: string): void {
  const parsed = parseLine(raw);
  assert.equal(parsed.kind, 'invalid', `${JSON.stringify(raw)} should be invalid, got ${JSON.stringify(parsed)}`);
  if (parsed.kind !== 'invalid') return;
  assert.equal(parsed.code, code, `code for ${JSON.stringify(raw)}`);
  assert.equal(typeof parsed.message, 'string');
  assert.ok(parsed.message.length > 0, 'an invalid line carries a message');
}

describe('parseLine: lines that need no row', () => {
  const skipped: Array<[string, string]> = [
    ['the empty string', ''],
    ['spaces only', '    '],
    ['tabs, spaces and a carriage return', ' \t \t\r'],
    ['a comment', '# a comment'],
    ['a comment indented by spaces', '   # indented comment'],
    ['a comment holding a URL', '#https://example.test/'],
    ['a BOM then a comment', '\uFEFF# first line of a file'],
  ];
  for (const [name, raw] of skipped) {
    test(`${name} is skipped`, () => {
      assert.deepEqual(parseLine(raw), { kind: 'skip' });
    });
  }
});

describe('parseLine: http and https URLs', () => {
  test('a plain https URL keeps its path and query and is not bare', () => {
    assert.deepEqual(parseLine('https://example.test/a/b?q=1&r=2'), {
      kind: 'url',
      target: 'https://example.test/a/b?q=1&r=2',
      host: 'example.test',
      bare: false,
    });
  });

  test('an http URL without a path gets the root path', () => {
    assert.deepEqual(parseLine('http://example.test'), {
      kind: 'url',
      target: 'http://example.test/',
      host: 'example.test',
      bare: false,
    });
  });

  test('the fragment is removed from the target', () => {
    const parsed = parseLine('https://example.test/page?q=1#section-2');
    assert.equal(parsed.kind, 'url');
    if (parsed.kind !== 'url') return;
    assert.equal(parsed.target, 'https://example.test/page?q=1');
  });

  test('user name and password are removed from the target', () => {
    const parsed = parseLine('https://alice:s3cret@example.test/private#top');
    assert.equal(parsed.kind, 'url');
    if (parsed.kind !== 'url') return;
    assert.equal(parsed.target, 'https://example.test/private');
    assert.ok(!parsed.target.includes('s3cret'));
    assert.ok(!parsed.target.includes('alice'));
  });

  test('a user name without password is removed too', () => {
    const parsed = parseLine('https://alice@example.test/');
    assert.equal(parsed.kind, 'url');
    if (parsed.kind !== 'url') return;
    assert.equal(parsed.target, 'https://example.test/');
  });

  test('scheme and host are lower-cased, the path keeps its case', () => {
    assert.deepEqual(parseLine('HTTPS://WWW.Example.TEST/Some/Path'), {
      kind: 'url',
      target: 'https://www.example.test/Some/Path',
      host: 'www.example.test',
      bare: false,
    });
  });

  test('an explicit non-default port is kept in the target but not in the host', () => {
    const parsed = parseLine('http://example.test:8080/x');
    assert.deepEqual(parsed, { kind: 'url', target: 'http://example.test:8080/x', host: 'example.test', bare: false });
  });

  test('an IPv6 literal gives the host without brackets, lower-cased', () => {
    assert.deepEqual(parseLine('http://[2001:DB8::1]:8080/x#frag'), {
      kind: 'url',
      target: 'http://[2001:db8::1]:8080/x',
      host: '2001:db8::1',
      bare: false,
    });
  });

  test('an IPv4 literal URL is accepted', () => {
    assert.deepEqual(parseLine('http://127.0.0.7/status'), {
      kind: 'url',
      target: 'http://127.0.0.7/status',
      host: '127.0.0.7',
      bare: false,
    });
  });

  test('an internationalised host name becomes punycode', () => {
    assert.deepEqual(parseLine('https://bücher.example/'), {
      kind: 'url',
      target: 'https://xn--bcher-kva.example/',
      host: 'xn--bcher-kva.example',
      bare: false,
    });
  });

  test('a leading BOM is stripped', () => {
    assert.deepEqual(parseLine('\uFEFFhttps://example.test/'), {
      kind: 'url',
      target: 'https://example.test/',
      host: 'example.test',
      bare: false,
    });
  });

  test('a trailing carriage return and spaces are trimmed', () => {
    assert.deepEqual(parseLine('  https://example.test/x  \r'), {
      kind: 'url',
      target: 'https://example.test/x',
      host: 'example.test',
      bare: false,
    });
  });

  test('a URL of exactly MAX_URL_LENGTH characters is accepted', () => {
    const prefix = 'https://example.test/';
    const raw = prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length);
    assert.equal(raw.length, MAX_URL_LENGTH);
    const parsed = parseLine(raw);
    assert.equal(parsed.kind, 'url');
    if (parsed.kind !== 'url') return;
    assert.equal(parsed.target, raw);
  });
});

describe('parseLine: bare host names', () => {
  const bare: Array<[string, string, string]> = [
    ['example.test', 'https://example.test/', 'example.test'],
    ['Example.TEST', 'https://example.test/', 'example.test'],
    ['example.test:8080/path', 'https://example.test:8080/path', 'example.test'],
    ['localhost', 'https://localhost/', 'localhost'],
    ['localhost:8080', 'https://localhost:8080/', 'localhost'],
    ['127.0.0.1', 'https://127.0.0.1/', '127.0.0.1'],
    ['www.example.test/a?b=1', 'https://www.example.test/a?b=1', 'www.example.test'],
    ['  example-org.test \r', 'https://example-org.test/', 'example-org.test'],
    ['\uFEFFexample-net.test', 'https://example-net.test/', 'example-net.test'],
  ];
  for (const [raw, target, host] of bare) {
    test(`${JSON.stringify(raw)} becomes ${target} with bare=true`, () => {
      assert.deepEqual(parseLine(raw), { kind: 'url', target, host, bare: true });
    });
  }

  test('a single-label bare name is not a host name', () => {
    assertInvalid('intranet', INVALID_URL);
  });

  test('a bare name with an underscore is refused (only full URLs allow underscores)', () => {
    assertInvalid('my_host.example.test', INVALID_URL);
    assert.equal(parseLine('http://my_host.example.test/').kind, 'url');
  });
});

describe('parseLine: unsupported schemes', () => {
  const others: Array<[string, string]> = [
    ['ftp://files.example.test/x', 'ftp'],
    ['file:///etc/passwd', 'file'],
    ['javascript:alert(1)', 'javascript'],
    ['mailto:a@b', 'mailto'],
    ['data:text/plain,x', 'data'],
    ['ws://example.test/socket', 'ws'],
    ['FTP://example.test/', 'ftp'],
  ];
  for (const [raw, scheme] of others) {
    test(`${raw} is refused as an unsupported scheme`, () => {
      assertInvalid(raw, UNSUPPORTED_SCHEME);
      const parsed = parseLine(raw);
      if (parsed.kind === 'invalid') assert.match(parsed.message, new RegExp(`"${scheme}:"`));
    });
  }
});

describe('parseLine: malformed lines', () => {
  const malformed: Array<[string, string]> = [
    ['a scheme without a host', 'http://'],
    ['an https scheme without a host', 'https://'],
    ['a space inside the host', 'http://exa mple.test/'],
    ['an unterminated IPv6 literal', 'http://[::1'],
    ['a control character', 'http://exa\u0001mple.test/'],
    ['a NUL byte', 'http://example.test/\u0000'],
    ['a DEL character', 'http://example.test/\u007f'],
    ['a tab inside', 'http://example.test/a\tb'],
    ['the replacement character U+FFFD', 'http://ex\uFFFDample.test/'],
    ['a bare name with a control character', 'exa\u0002mple.com'],
    ['words that are not a URL', 'not a url'],
    ['a non-numeric port', 'http://example.test:port/'],
    ['a label starting with a hyphen', 'http://-bad.example.test/'],
  ];
  for (const [name, raw] of malformed) {
    test(`${name} is an invalid URL`, () => {
      assertInvalid(raw, INVALID_URL);
    });
  }

  test('a line longer than MAX_URL_LENGTH is refused as too long', () => {
    const prefix = 'https://example.test/';
    assertInvalid(prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length + 1), LINE_TOO_LONG);
  });

  test('an over-long line of garbage is reported as too long, not as malformed', () => {
    assertInvalid('\u0001 '.repeat(MAX_URL_LENGTH), LINE_TOO_LONG);
  });

  test('surrounding whitespace does not count toward the length limit', () => {
    const prefix = 'https://example.test/';
    const raw = prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length);
    assert.equal(parseLine(`   ${raw}   \r`).kind, 'url');
  });
});
