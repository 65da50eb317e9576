// Tests for the simulated internet. Everything stays on loopback: names are
// resolved only through the sim's own DNS server, never the system resolver.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { Agent, request } from 'undici';
import { behaviourOf, startBlackhole, startSimInternet, type SimInternet } from '../../src/sim/index.js';

let sim: SimInternet;
let agent: Agent; // trusts the sim CA
let untrusting: Agent; // does not

function simLookup(resolverAddress: string): net.LookupFunction {
  const resolver = new dns.promises.Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([resolverAddress]);
  return (hostname, options, callback) => {
    resolver.resolve4(hostname).then(
      (addresses) =>
        options.all
          ? callback(null, addresses.map((address) => ({ address, family: 4 })))
          : callback(null, addresses[0]!, 4),
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

before(async () => {
  sim = await startSimInternet();
  const lookup = simLookup(sim.resolver);
  agent = new Agent({ connect: { lookup, ca: sim.caPem } });
  untrusting = new Agent({ connect: { lookup } });
});

after(async () => {
  await Promise.all([agent.destroy(), untrusting.destroy()]);
  await sim.close();
});

function get(url: string, options: NonNullable<Parameters<typeof request>[1]> = {}) {
  return request(url, { dispatcher: agent, ...options });
}

async function errorOf(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await promise;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
  assert.fail('expected an error');
}

const RCODES: Record<number, string> = { 0: 'NOERROR', 2: 'SERVFAIL', 3: 'NXDOMAIN' };

interface RawReply {
  rcode: string;
  packet: dnsPacket.DecodedPacket;
  answers: { type: string; ttl?: number; data: string }[];
}

function rawQuery(name: string, type: 'A' | 'AAAA', timeoutMs = 1000): Promise<RawReply | undefined> {
  const [host, port] = sim.resolver.split(':') as [string, string];
  const socket = dgram.createSocket('udp4');
  const id = Math.floor(Math.random() * 65535);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.close();
      resolve(undefined);
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      const packet = dnsPacket.decode(msg);
      const answers = (packet.answers ?? []).flatMap((a) => (a.type === 'A' || a.type === 'AAAA' ? [a] : []));
      resolve({ rcode: RCODES[(packet.flags ?? 0) & 0xf] ?? 'other', packet, answers });
    });
    socket.send(
      dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }),
      Number(port),
      host,
    );
  });
}

test('behaviour comes from the first label without its -suffix', () => {
  assert.equal(behaviourOf('fine.test'), 'fine');
  assert.equal(behaviourOf('slow-123.test'), 'slow');
  assert.equal(behaviourOf('NoHead-abc.shard7.test'), 'nohead');
  assert.equal(behaviourOf('whatever.test'), 'fine');
});

test('DNS: raw answers, flags and rcodes', async () => {
  const before = sim.dnsQueries();
  const fine = await rawQuery('fine-1.shard2.test', 'A');
  assert.ok(fine);
  assert.equal(fine.rcode, 'NOERROR');
  assert.equal(fine.packet.flag_qr, true);
  assert.equal(fine.packet.flag_aa, true);
  assert.equal(fine.packet.flag_ra, true);
  assert.deepEqual(fine.packet.questions, [{ name: 'fine-1.shard2.test', type: 'A', class: 'IN' }]);
  assert.deepEqual(
    fine.answers.map((a) => [a.type, a.ttl, a.data]),
    [['A', 300, '127.0.0.1']],
  );

  const aaaa = await rawQuery('fine.test', 'AAAA');
  assert.equal(aaaa?.rcode, 'NOERROR');
  assert.equal(aaaa?.answers.length, 0);

  assert.equal((await rawQuery('example.com', 'A'))?.rcode, 'NXDOMAIN');
  assert.equal((await rawQuery('nxdomain-7.test', 'A'))?.rcode, 'NXDOMAIN');
  assert.equal((await rawQuery('servfail.test', 'A'))?.rcode, 'SERVFAIL');
  assert.equal((await rawQuery('refused.test', 'A'))?.answers[0]?.data, '127.0.0.2');
  assert.equal((await rawQuery('blackhole.test', 'A'))?.answers[0]?.data, '127.0.0.3');
  assert.equal(await rawQuery('dnstimeout.test', 'A', 300), undefined);
  assert.equal(sim.dnsQueries() - before, 8);
});

test('DNS: through a node Resolver pointed at the sim', async () => {
  const resolver = new dns.promises.Resolver({ timeout: 300, tries: 1 });
  resolver.setServers([sim.resolver]);
  assert.deepEqual(await resolver.resolve4('fine-9.test'), ['127.0.0.1']);
  assert.equal((await errorOf(resolver.resolve4('nxdomain.test'))).code, 'ENOTFOUND');
  assert.equal((await errorOf(resolver.resolve4('servfail.test'))).code, 'ESERVFAIL');
  assert.equal((await errorOf(resolver.resolve4('dnstimeout.test'))).code, 'ETIMEOUT');
});

test('fine over HTTP: GET and HEAD', async () => {
  const res = await get(sim.url('fine.test', '/x'));
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/plain');
  assert.equal(res.headers['content-length'], '3');
  assert.equal(await res.body.text(), 'ok\n');
  const head = await get(sim.url('fine-2.test'), { method: 'HEAD' });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], '3');
  assert.equal(await head.body.text(), '');
});

test('HTTPS: fine verifies with the sim CA, fails without it; wrongname fails the name check', async () => {
  for (const host of ['fine.test', 'fine-abc.shard7.test']) {
    const res = await get(sim.url(host, '/', 'https'));
    assert.equal(res.statusCode, 200);
    assert.equal(await res.body.text(), 'ok\n');
  }
  const untrusted = await errorOf(request(sim.url('fine.test', '/', 'https'), { dispatcher: untrusting }));
  assert.equal(untrusted.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  const wrong = await errorOf(get(sim.url('wrongname-1.test', '/', 'https')));
  assert.equal(wrong.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  const plain = await get(sim.url('wrongname.test')); // over HTTP it is just fine
  assert.equal(plain.statusCode, 200);
  await plain.body.dump();
});

test('nohead: 405 for HEAD, 200 for GET; requests are counted', async () => {
  const before = sim.requests();
  const head = await get(sim.url('nohead.test'), { method: 'HEAD' });
  assert.equal(head.statusCode, 405);
  assert.equal(head.headers['allow'], 'GET');
  await head.body.dump();
  const res = await get(sim.url('nohead.test'));
  assert.equal(res.statusCode, 200);
  await res.body.dump();
  const after = sim.requests();
  assert.equal((after['HEAD nohead'] ?? 0) - (before['HEAD nohead'] ?? 0), 1);
  assert.equal((after['GET nohead'] ?? 0) - (before['GET nohead'] ?? 0), 1);
});

test('bodies: big has content-length, chunked does not', async () => {
  const big = await get(sim.url('big.test'));
  assert.equal(big.headers['content-length'], '100000');
  assert.equal((await big.body.arrayBuffer()).byteLength, 100_000);
  const chunked = await get(sim.url('chunked.test'));
  assert.equal(chunked.headers['content-length'], undefined);
  assert.equal(chunked.headers['transfer-encoding'], 'chunked');
  assert.equal((await chunked.body.arrayBuffer()).byteLength, 5000);
});

async function follow(url: string, max: number): Promise<{ chain: string[]; final: number }> {
  const chain: string[] = [];
  let current = url;
  for (let i = 0; i <= max; i++) {
    const res = await get(current);
    await res.body.dump();
    if (res.statusCode < 300 || res.statusCode >= 400) return { chain, final: res.statusCode };
    const location = String(res.headers['location']);
    chain.push(`${res.statusCode} ${location}`);
    current = new URL(location, current).href;
  }
  return { chain, final: -1 };
}

test('redirects: 3-hop chain, cross-host, endless loop', async () => {
  for (const scheme of ['http', 'https'] as const) {
    const port = scheme === 'http' ? sim.httpPort : sim.httpsPort;
    const { chain, final } = await follow(sim.url('redirect-5.test', '/', scheme), 10);
    assert.deepEqual(chain, ['301 /hop/2', `302 ${scheme}://redirect-5.test:${port}/hop/1`, '302 /final']);
    assert.equal(final, 200);
  }
  const cross = await get(sim.url('crosshost.test', '/p?q=1'));
  assert.equal(cross.statusCode, 302);
  assert.equal(cross.headers['location'], `http://fine-from-crosshost.test:${sim.httpPort}/p?q=1`);
  await cross.body.dump();
  const loop = await follow(sim.url('loop.test'), 5);
  assert.equal(loop.final, -1);
  assert.deepEqual(loop.chain.slice(0, 3), ['302 /a', '302 /', '302 /a']);
});

test('status behaviours: flaky, ratelimit, fixed errors', async () => {
  const statuses = async (url: string, n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await get(url);
      if (res.statusCode === 429) assert.equal(res.headers['retry-after'], '1');
      await res.body.dump();
      out.push(res.statusCode);
    }
    return out;
  };
  assert.deepEqual(await statuses(sim.url('flaky-1.test', '/f'), 4), [503, 503, 200, 200]);
  assert.deepEqual(await statuses(sim.url('ratelimit-1.test', '/r'), 2), [429, 200]);
  assert.deepEqual(await statuses(sim.url('ratelimit-1.test', '/other'), 1), [429]);
  for (const [host, status] of [['notfound', 404], ['error', 500], ['unavailable', 503], ['badgateway', 502]] as const) {
    assert.deepEqual(await statuses(sim.url(`${host}.test`), 1), [status]);
  }
});

test('timing behaviours: slow with ?delay, hang, stall', async () => {
  const start = performance.now();
  const slow = await get(sim.url('slow.test', '/?delay=200'));
  assert.equal(slow.statusCode, 200);
  await slow.body.dump();
  assert.ok(performance.now() - start >= 190);
  const hang = await errorOf(get(sim.url('hang.test'), { headersTimeout: 300 }));
  assert.equal(hang.code, 'UND_ERR_HEADERS_TIMEOUT');
  const stall = await get(sim.url('stall.test'), { bodyTimeout: 300 });
  assert.equal(stall.statusCode, 200);
  assert.equal((await errorOf(stall.body.text())).code, 'UND_ERR_BODY_TIMEOUT');
});

test('broken connections: reset, malformed, refused', async () => {
  for (const scheme of ['http', 'https'] as const) {
    const res = await get(sim.url('reset.test', '/', scheme));
    assert.equal(res.statusCode, 200);
    const err = await errorOf(res.body.arrayBuffer());
    assert.equal(err.code, 'UND_ERR_SOCKET', `${scheme}: ${err.code} ${err.message}`);
  }
  for (const scheme of ['http', 'https'] as const) {
    const malformed = await errorOf(get(sim.url('malformed.test', '/', scheme)));
    assert.equal(malformed.name, 'HTTPParserError'); // undici 7 leaves .code undefined here
    assert.match(malformed.message, /Expected HTTP\//);
  }
  const refused = await errorOf(get(sim.url('refused.test')));
  assert.equal(refused.code, 'ECONNREFUSED');
});

test('blackhole: connects never complete', async (t) => {
  if (!sim.blackholeAvailable) return t.skip(`blackhole unavailable: ${sim.blackholeError}`);
  const raw = new Promise<string>((resolve) => {
    const socket = net.connect({ host: '127.0.0.3', port: sim.httpPort });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('pending');
    }, 1500);
    socket.on('connect', () => resolve('connected'));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(String(err.code)));
    socket.on('close', () => clearTimeout(timer));
  });
  const impatient = new Agent({ connect: { lookup: simLookup(sim.resolver), ca: sim.caPem, timeout: 1000 } });
  const viaUndici = errorOf(get(sim.url('blackhole.test', '/', 'https'), { dispatcher: impatient }));
  assert.equal(await raw, 'pending');
  assert.equal((await viaUndici).code, 'UND_ERR_CONNECT_TIMEOUT');
  await impatient.destroy();
});

test('startBlackhole rejects clearly without python; the sim still starts', async () => {
  await assert.rejects(startBlackhole([1], { python: 'no-such-python3' }), /needs no-such-python3, which was not found/);
  const other = await startSimInternet({ python: 'no-such-python3' });
  try {
    assert.equal(other.blackholeAvailable, false);
    assert.match(String(other.blackholeError), /not found/);
  } finally {
    await other.close();
  }
});

test('close() leaves nothing open: a process using the sim exits by itself', async () => {
  const simModule = new URL('../../src/sim/index.js', import.meta.url).href;
  // Leaves a hanging, a stalled and a slow request open, then closes the sim.
  const script = `
    import http from 'node:http';
    import { startSimInternet } from ${JSON.stringify(simModule)};
    const sim = await startSimInternet();
    const agent = new http.Agent({ keepAlive: true });
    const hit = (host, path = '/') => new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: sim.httpPort, path, agent, headers: { host: host + ':' + sim.httpPort } }, (res) => {
        res.on('data', () => resolve(res.statusCode)); res.on('end', () => resolve(res.statusCode)); res.on('error', () => {});
      });
      req.on('error', () => {});
      setTimeout(() => resolve('open'), 200);
    });
    await Promise.all([hit('fine.test'), hit('hang.test'), hit('stall.test'), hit('slow.test'), hit('jitter.test')]);
    await sim.close();
    console.log('closed');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('did not exit within 8 s');
    }, 8000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode ?? -1);
    });
  });
  assert.equal(code, 0, output);
  assert.match(output, /closed/);
});
