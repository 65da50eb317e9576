// Sweeps through an HTTP proxy's CONNECT tunnel on loopback: the target's answers come through, what the
// proxy refuses or cannot reach is `proxy_error` (never the target's own failure), NO_PROXY is honoured,
// credentials work and are never recorded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import Database from 'better-sqlite3';
import { startHostileOrigin, startSimInternet, type SimInternet } from '../../src/sim/index.js';
import { Codes } from '../../src/result/errors.js';
import { redactProxy, resolveProxy } from '../../src/options/proxySettings.js';
import { UsageError } from '../../src/result/errors.js';
import { ProxyRoute } from '../../workers/proxyRoute.js';
import { row, sweepLines, tempDir } from '../support/simSweep.js';
import { makeCerts } from '../../src/sim/certs.js';
import { startConnectProxy, type ConnectProxy } from '../support/connectProxy.js';
import { freePorts } from '../support/freePorts.js';

test('proxy settings: --proxy over the environment, lower case over upper case, none, and plain errors', () => {
  const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', HTTP_PROXY: 'proxy.corp:3128', NO_PROXY: 'a.test, .b.test' };
  assert.deepEqual(resolveProxy(null, null, env), { https: 'http://lower:2', http: 'http://proxy.corp:3128', noProxy: ['a.test', '.b.test'] });
  assert.deepEqual(resolveProxy('https://p:8443', 'c.test', env), { https: 'https://p:8443', http: 'https://p:8443', noProxy: ['c.test'] });
  assert.deepEqual(resolveProxy('none', null, env), { https: null, http: null, noProxy: ['a.test', '.b.test'] });
  assert.deepEqual(resolveProxy(null, null, { ALL_PROXY: 'http://all:1' }), { https: 'http://all:1', http: 'http://all:1', noProxy: [] });
  assert.deepEqual(resolveProxy(null, null, {}), { https: null, http: null, noProxy: [] });
  assert.throws(() => resolveProxy('socks5://p:1080', null, {}), (e: Error) => e instanceof UsageError && /socks5 proxies are not supported/.test(e.message));
  assert.throws(() => resolveProxy(null, null, { https_proxy: 'http://p:1/path' }), (e: Error) => e instanceof UsageError && /^https_proxy: /.test(e.message));
  assert.equal(redactProxy('http://user:s3cret@p:1'), 'http://user:***@p:1');
  assert.equal(redactProxy('user:s3cret@p:1'), 'http://user:***@p:1', 'without a scheme too');
  assert.equal(redactProxy('http://user:p@ss@p:1'), 'http://user:***@p:1', 'with an @ in the password too');
  assert.throws(() => resolveProxy('http://user:100%@p:1', null, {}), (e: Error) => e instanceof UsageError && /write % as %25/.test(e.message) && !e.message.includes('100%'));
  assert.equal(redactProxy('http://p:1'), 'http://p:1');
});

test('NO_PROXY: names with their subdomains, suffixes, IPs, CIDR ranges, ports, and *', () => {
  const route = new ProxyRoute({ http: 'http://p:1', https: null, noProxy: ['corp.test', '.only-sub.test', '10.0.0.0/8', '::1', 'porty.test:8080'] });
  const via = (host: string, port = 80) => route.proxyFor('http:', host, port) !== null;
  assert.equal(via('corp.test'), false);
  assert.equal(via('www.corp.test'), false);
  assert.equal(via('notcorp.test'), true, 'a suffix matches at a label boundary only');
  assert.equal(via('only-sub.test'), true);
  assert.equal(via('a.only-sub.test'), false);
  assert.equal(via('10.1.2.3'), false);
  assert.equal(via('11.1.2.3'), true);
  assert.equal(via('[::1]'), false);
  assert.equal(via('porty.test', 8080), false);
  assert.equal(via('porty.test', 80), true);
  assert.equal(route.proxyFor('https:', 'x.test', 443), null, 'no proxy for https given');
  assert.equal(new ProxyRoute({ http: 'http://p:1', https: 'http://p:1', noProxy: ['*'] }).none, true);
});

let sim: SimInternet;
let proxy: ConnectProxy;
const temp = tempDir();
before(async () => {
  sim = await startSimInternet();
  proxy = await startConnectProxy({ resolver: sim.resolver, refuse: ['fine-deny.test'] });
});
after(async () => {
  await proxy.close();
  await sim.close();
  temp.remove();
});

test('HTTP and HTTPS URLs go through the CONNECT tunnel and record the target’s answers', async () => {
  const urls = ['http://fine-px1.test/', 'https://fine-px2.test/', 'http://notfound-px3.test/', 'https://redirect-px4.test/', 'fine-px5.test'];
  const before = proxy.connects.length;
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/through.db`, proxy: proxy.url });
  assert.deepEqual(
    urls.map((u) => [row(result, u).outcome, row(result, u).status]),
    [['response', 200], ['response', 200], ['response', 404], ['response', 200], ['response', 200]],
  );
  assert.equal(row(result, 'https://redirect-px4.test/').redirects, 3);
  assert.equal(row(result, 'fine-px5.test').final_url, 'https://fine-px5.test/', 'a bare name is tried over HTTPS through the proxy first');
  for (const u of urls) assert.equal(row(result, u).remote_ip, null, 'the proxy resolved the name');
  const asked = proxy.connects.slice(before);
  assert.ok(asked.includes(`fine-px1.test:${sim.httpPort}`), asked.join(' '));
  assert.ok(asked.includes(`fine-px2.test:${sim.httpsPort}`), asked.join(' '));
  assert.ok(asked.includes(`fine-px5.test:${sim.httpsPort}`), asked.join(' '));
});

test('what the proxy refuses or cannot reach is proxy_error, and no host is taken for down because of it', async () => {
  const denied = Array.from({ length: 6 }, (_, i) => `http://fine-deny.test/${i}`);
  const urls = [...denied, 'http://nxdomain-px.test/', 'http://fine-px6.test/'];
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/refused.db`, proxy: proxy.url, hostErrors: 2 });
  for (const u of denied) {
    const r = row(result, u);
    assert.equal(r.outcome, 'proxy_error', u);
    assert.equal(r.error_code, Codes.proxyRefused);
    assert.match(r.error_message!, /^proxy http:\/\/127\.0\.0\.1:\d+ answered 403 Forbidden to CONNECT fine-deny\.test:\d+$/);
  }
  const unresolved = row(result, 'http://nxdomain-px.test/');
  assert.equal(unresolved.outcome, 'proxy_error');
  assert.match(unresolved.error_message!, /answered 502 Bad Gateway/);
  assert.equal(row(result, 'http://fine-px6.test/').status, 200);
});

test('a target the proxy cannot connect to in time ends as a connect timeout, said to come through the proxy', async (t) => {
  if (!sim.blackholeAvailable) return t.skip(`the sim's blackhole is unavailable: ${sim.blackholeError}`);
  const result = await sweepLines(sim, temp.dir, ['http://blackhole-px.test/'], { db: `${temp.dir}/hole.db`, proxy: proxy.url, retries: 0 });
  const r = row(result, 'http://blackhole-px.test/');
  assert.equal(r.outcome, 'connect_timeout');
  assert.equal(r.error_code, Codes.proxyTimeout);
  assert.match(r.error_message!, /^no answer from proxy http:\/\/127\.0\.0\.1:\d+ to CONNECT blackhole-px\.test:\d+ within 1500 ms$/);
  assert.equal(r.attempts, 1, 'retries: 0');
});

test('a proxy that cannot be reached is proxy_error for every URL, never the targets’ connect_refused', async () => {
  const [closed] = await freePorts(1);
  const urls = Array.from({ length: 12 }, (_, i) => `http://fine-lonely.test/${i}`);
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/unreachable.db`, proxy: `http://127.0.0.1:${closed}`, hostErrors: 2, retries: 0 });
  for (const u of urls) {
    const r = row(result, u);
    assert.equal(r.outcome, 'proxy_error', u);
    assert.equal(r.error_code, Codes.proxyUnreachable);
    assert.match(r.error_message!, new RegExp(`^proxy http://127\\.0\\.0\\.1:${closed} not reached: .*ECONNREFUSED`));
  }
});

test('credentials in the proxy URL answer its 407, and are never recorded', async (t) => {
  const guarded = await startConnectProxy({ resolver: sim.resolver, credentials: 'sweeper:s3cret' });
  t.after(() => guarded.close());
  const without = await sweepLines(sim, temp.dir, ['http://fine-auth.test/'], { db: `${temp.dir}/noauth.db`, proxy: guarded.url });
  const refused = row(without, 'http://fine-auth.test/');
  assert.equal(refused.outcome, 'proxy_error');
  assert.equal(refused.error_code, Codes.proxyAuth);
  assert.match(refused.error_message!, /wants credentials \(407 Proxy Authentication Required\)/);
  const wrong = await sweepLines(sim, temp.dir, ['http://fine-auth.test/'], { db: `${temp.dir}/wrongauth.db`, proxy: `http://sweeper:guess@127.0.0.1:${guarded.port}` });
  assert.match(row(wrong, 'http://fine-auth.test/').error_message!, /refused the credentials given \(407 Proxy Authentication Required\)/);
  const withAuth = `http://sweeper:s3cret@127.0.0.1:${guarded.port}`;
  const allowed = await sweepLines(sim, temp.dir, ['http://fine-auth.test/'], { db: `${temp.dir}/auth.db`, proxy: withAuth });
  assert.equal(row(allowed, 'http://fine-auth.test/').status, 200);
  const db = new Database(allowed.dbPath, { readonly: true });
  const options = (db.prepare('SELECT options FROM runs').get() as { options: string }).options;
  db.close();
  assert.ok(!options.includes('s3cret'), options);
  assert.match(options, /sweeper:\*\*\*@127\.0\.0\.1/);
});

test('an https:// proxy: TLS to the proxy, and TLS with the target inside it', async (t) => {
  const certs = await makeCerts('urlsweep test proxy CA');
  // Node takes no two-label wildcard (*.test): the proxy gets a certificate for its own name.
  const cert = certs.mint('proxy-tls.test');
  const tlsProxy = await startConnectProxy({ resolver: sim.resolver, tls: { key: certs.testLeaf.key, cert, name: 'proxy-tls.test' } });
  t.after(async () => {
    await tlsProxy.close();
    await certs.remove();
  });
  const urls = ['https://fine-tls1.test/', 'http://fine-tls2.test/'];
  const result = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/tlsproxy.db`, proxy: tlsProxy.url, caPem: sim.caPem + certs.ca.cert });
  for (const u of urls) assert.equal(row(result, u).status, 200, u);
  assert.deepEqual(tlsProxy.connects.sort(), [`fine-tls1.test:${sim.httpsPort}`, `fine-tls2.test:${sim.httpPort}`]);
  // A proxy whose certificate is not trusted is a proxy that was not reached.
  const untrusted = await sweepLines(sim, temp.dir, ['https://fine-tls3.test/'], { db: `${temp.dir}/untrusted.db`, proxy: tlsProxy.url });
  assert.equal(row(untrusted, 'https://fine-tls3.test/').outcome, 'proxy_error');
  assert.equal(row(untrusted, 'https://fine-tls3.test/').error_code, Codes.proxyUnreachable);
  assert.match(row(untrusted, 'https://fine-tls3.test/').error_message!, /^proxy https:\/\/proxy-tls\.test:\d+ not reached: .*certificate/);
});

test('hosts in --noproxy are reached directly, the others through the proxy', async () => {
  const before = proxy.connects.length;
  const result = await sweepLines(sim, temp.dir, ['http://fine-direct.test/', 'http://www.fine-direct.test/', 'http://fine-via.test/'], {
    db: `${temp.dir}/noproxy.db`,
    proxy: proxy.url,
    noProxy: 'fine-direct.test',
  });
  assert.equal(row(result, 'http://fine-direct.test/').remote_ip, '127.0.0.1');
  assert.equal(row(result, 'http://www.fine-direct.test/').remote_ip, '127.0.0.1');
  assert.equal(row(result, 'http://fine-via.test/').remote_ip, null);
  assert.deepEqual(proxy.connects.slice(before), [`fine-via.test:${sim.httpPort}`]);
});

// A proxy scripted to relay a mail server's banner, either in the same read as its 200 (the target spoke
// before the tunnel was handed over) or only once the request has gone through: where the bytes land is
// what each case pins, so neither depends on how the kernel splits a real relay's writes.
async function bannerProxy(t: { after(fn: () => Promise<void>): void }, when: 'with-answer' | 'after-request'): Promise<{ url: string; connects: number }> {
  const banner = '220 mail.test ESMTP ready\r\n';
  const state = { url: '', connects: 0 };
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let head = '';
    let tunnelled = false;
    socket.on('data', (chunk) => {
      if (tunnelled) return void socket.end(banner);
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      state.connects++;
      tunnelled = true;
      socket.write(`HTTP/1.1 200 Connection Established\r\n\r\n${when === 'with-answer' ? banner : ''}`);
      if (when === 'with-answer') socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

test('a plain HTTP target that speaks before it is asked is a protocol error, not a loop of new tunnels', async (t) => {
  const relay = await bannerProxy(t, 'with-answer');
  const url = 'http://127.0.0.1:25/';
  const result = await sweepLines(sim, temp.dir, [url], { db: `${temp.dir}/banner.db`, proxy: relay.url, retries: 0 });
  const r = row(result, url);
  assert.equal(r.outcome, 'protocol_error', `${r.error_code} ${r.error_message}`);
  assert.equal(r.error_code, 'HPE_INVALID_CONSTANT');
  assert.match(r.error_message!, /^127\.0\.0\.1:25 sent 27 bytes through the proxy before any request: not an HTTP server$/);
  assert.equal(relay.connects, 1, 'one tunnel, not one after another');
});

test('a target that answers the request with a banner through the tunnel is a protocol error of that request', async (t) => {
  const relay = await bannerProxy(t, 'after-request');
  const url = 'http://127.0.0.1:25/';
  const result = await sweepLines(sim, temp.dir, [url], { db: `${temp.dir}/banner-late.db`, proxy: relay.url, retries: 0 });
  const r = row(result, url);
  assert.equal(r.outcome, 'protocol_error', `${r.error_code} ${r.error_message}`);
  assert.equal(r.error_code, 'HPE_INVALID_RESPONSE');
  assert.match(r.error_message!, /does not match the HTTP\/1\.1 protocol/);
  assert.equal(relay.connects, 1, 'one tunnel, not one after another');
});

test('an IPv6 target goes through the tunnel in brackets', async (t) => {
  const server = createHttpServer((_req, res) => res.end('ok\n'));
  const listening = await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(0, '::1', () => resolve(true)));
  if (!listening) return t.skip('no IPv6 loopback here');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://[::1]:${(server.address() as { port: number }).port}/`;
  const before = proxy.connects.length;
  const result = await sweepLines(sim, temp.dir, [url], { db: `${temp.dir}/ipv6.db`, proxy: proxy.url });
  assert.equal(row(result, url).status, 200, `${row(result, url).error_code} ${row(result, url).error_message}`);
  assert.deepEqual(proxy.connects.slice(before), [`[::1]:${(server.address() as { port: number }).port}`]);
});

test('--connect-timeout holds for the proxy, its answer and TLS with the target together', async (t) => {
  const hostile = await startHostileOrigin();
  const slow = await startConnectProxy({ resolver: sim.resolver, delayMs: 1_000 });
  t.after(async () => {
    await slow.close();
    await hostile.close();
  });
  // The proxy answers after 1 s; then the target never completes its handshake.
  const url = `https://fine-stalltls.test:${hostile.port}/`;
  const result = await sweepLines(sim, temp.dir, [url], { db: `${temp.dir}/budget.db`, proxy: slow.url, connectTimeoutMs: 1_500, retries: 0 });
  const r = row(result, url);
  assert.equal(r.outcome, 'connect_timeout', `${r.error_code} ${r.error_message}`);
  assert.equal(r.error_code, 'UND_ERR_CONNECT_TIMEOUT');
  assert.ok(r.elapsed_ms! >= 1_400 && r.elapsed_ms! < 2_300, `ended after ${r.elapsed_ms} ms: one 1.5 s budget, not one per stage`);
});

