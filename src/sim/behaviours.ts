// The behaviour table of the simulated internet. A host's behaviour is named by
// its first DNS label, minus an optional "-<anything>" suffix, so a generator can
// make any number of distinct hosts that all behave the same way
// (fine.test, fine-123.test, fine-abc.shard7.test are all "fine").

export const BEHAVIOURS = {
  fine: '200 text/plain "ok\\n" with content-length (the default for unknown labels)',
  big: '200 with a 100 000-byte body and content-length',
  chunked: '200 with a 5000-byte chunked body (no content-length)',
  nohead: '405 (Allow: GET) for HEAD, 200 for GET',
  notimpl: '501 for HEAD, 200 for GET',
  redirect: '/ -> 301 /hop/2 -> 302 absolute /hop/1 -> 302 /final (200): 3 redirects',
  crosshost: '302 to the same path on fine-from-crosshost.test (?to=<label>: <label>-from-crosshost.test), same scheme and port',
  loop: '/ -> 302 /a -> 302 / ... forever',
  notfound: '404 always',
  error: '500 always',
  unavailable: '503 always',
  badgateway: '502 always',
  flaky: '503 for the first two requests per host+path, then 200',
  ratelimit: '429 with Retry-After: 1 (?retry=<seconds> for another) for the first request per host+path, then 200',
  throttle: 'allows 5 requests/s per host name (a token bucket holding 5); beyond that 429 with Retry-After: 1 (?delay=<ms> delays every answer)',
  slow: '200 after 1500 ms (?delay=<ms> overrides)',
  jitter: '200 after a uniformly random 0-3000 ms',
  hang: 'accepts the request and never answers',
  stall: '200 headers, content-length 1000, 10 body bytes, then nothing',
  reset: '200 headers, content-length 100000, 1000 body bytes, then a TCP reset',
  malformed: 'answers with bytes that are not HTTP, then closes',
  nxdomain: 'DNS NXDOMAIN',
  servfail: 'DNS SERVFAIL',
  dnstimeout: 'DNS never answers',
  refused: 'DNS answers 127.0.0.2 where nothing listens (ECONNREFUSED)',
  blackhole: 'DNS answers 127.0.0.3 where connects hang (connect timeout)',
  plainonly: 'HTTPS handshakes are refused (a reset); HTTP behaves as fine',
  wrongname: 'HTTPS presents a certificate for wrong.invalid (HTTP behaves as fine)',
} as const satisfies Record<string, string>;

export type Behaviour = keyof typeof BEHAVIOURS;

function isBehaviour(label: string): label is Behaviour {
  return Object.hasOwn(BEHAVIOURS, label);
}

export function behaviourOf(hostname: string): Behaviour {
  const label = hostname.toLowerCase().split('.')[0]!;
  const name = label.split('-')[0]!;
  return isBehaviour(name) ? name : 'fine';
}

// The address the DNS server gives a host: servers live on 127.0.0.1, nothing
// listens on 127.0.0.2, and 127.0.0.3 is the blackhole.
export function addressOf(behaviour: Behaviour): string {
  if (behaviour === 'refused') return '127.0.0.2';
  if (behaviour === 'blackhole') return '127.0.0.3';
  return '127.0.0.1';
}

export function isSimName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'test' || name.endsWith('.test');
}
