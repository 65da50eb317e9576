// HostResolver (workers/resolver.ts) against a loopback DNS server that holds queries: the in-flight limit, one query per name, TTL cache, failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { HostResolver, MAX_QUERIES_IN_FLIGHT, MAX_TTL_MS, MIN_TTL_MS, NEGATIVE_TTL_MS } from '../../workers/resolver.js';

/** What the server says for a name; a name it does not know is NXDOMAIN. */
type Zone = (name: string) => { A?: string; AAAA?: string; ttl?: number } | 'NXDOMAIN' | 'SERVFAIL' | undefined;

interface HoldingDns {
  /** For ResolverOptions.servers. */
  server: string;
  /** Every query in the order it arrived: `A name`, `AAAA name`. */
  seen: string[];
  /** The most queries held unanswered at once. */
  mostHeld(): number;
  /** From now on queries are held, unanswered, until release(). */
  hold(): void;
  /** Answers the held queries (a few at a time, so no socket buffer overflows) and answers new ones at once. */
  release(): Promise<void>;
  /** Resolves once `count` queries have arrived. */
  reached(count: number): Promise<void>;
  close(): Promise<void>;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An authoritative UDP DNS server on 127.0.0.1 that answers from `zone`, at once or when released. */
async function holdingDns(zone: Zone): Promise<HoldingDns> {
  // Room for every query a broken limit would send at once.
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  const seen: string[] = [];
  const waiting: Array<{ count: number; go: () => void }> = [];
  let holding = false;
  const held: Array<{ query: dnsPacket.Packet; port: number; address: string }> = [];
  let mostHeld = 0;

  const answer = (query: dnsPacket.Packet, port: number, address: string): void => {
    const question = query.questions![0]!;
    const found = zone(question.name) ?? 'NXDOMAIN';
    const answers: dnsPacket.Answer[] = [];
    let rcode = 0;
    if (found === 'NXDOMAIN') rcode = 3;
    else if (found === 'SERVFAIL') rcode = 2;
    else {
      const data = question.type === 'A' ? found.A : question.type === 'AAAA' ? found.AAAA : undefined;
      // No record of that type: NOERROR without answers (NODATA).
      if (data) answers.push({ type: question.type as 'A' | 'AAAA', class: 'IN', name: question.name, ttl: found.ttl ?? 300, data });
    }
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode;
    socket.send(dnsPacket.encode({ type: 'response', id: query.id, flags, questions: [question], answers }), port, address);
  };

  socket.on('message', (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    const question = query.questions![0]!;
    seen.push(`${question.type} ${question.name}`);
    if (holding) {
      held.push({ query, port: rinfo.port, address: rinfo.address });
      mostHeld = Math.max(mostHeld, held.length);
    } else {
      answer(query, rinfo.port, rinfo.address);
    }
    for (const w of waiting.filter((w) => seen.length >= w.count)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.go();
    }
  });

  const release = async (): Promise<void> => {
    holding = false;
    while (held.length > 0) {
      for (const h of held.splice(0, 32)) answer(h.query, h.port, h.address);
      await turn();
    }
  };

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  return {
    server: `127.0.0.1:${socket.address().port}`,
    seen,
    mostHeld: () => mostHeld,
    hold: () => {
      holding = true;
    },
    release,
    reached: (count) => (seen.length >= count ? Promise.resolve() : new Promise<void>((go) => waiting.push({ count, go }))),
    close: async () => {
      await release(); // anything a failed test left held, so its resolver has nothing left waiting
      await new Promise<void>((done) => socket.close(() => done()));
    },
  };
}

/**
 * Lets the event loop turn until no query has arrived for 20 turns in a row: each turn polls the server's
 * socket, so a query already sent is read by then. Nothing is answered meanwhile, so a resolver that keeps
 * to its limit has no reason to send more.
 */
async function quiet(dns: HoldingDns): Promise<void> {
  let last = dns.seen.length;
  for (let turns = 0, still = 0; still < 20 && turns < 2_000; turns++) {
    await turn();
    if (dns.seen.length === last) still++;
    else [last, still] = [dns.seen.length, 0];
  }
}

/** A resolver that neither times out nor retries while the test holds its queries. */
const resolverFor = (dns: HoldingDns) => new HostResolver({ servers: [dns.server], timeoutMs: 60_000, tries: 1 });

/** The error a promise rejects with (c-ares' errors also name the host they were about). */
const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a rejection'),
    (err: NodeJS.ErrnoException & { hostname?: string }) => err,
  );

test(`at most MAX_QUERIES_IN_FLIGHT (${MAX_QUERIES_IN_FLIGHT}) queries are out at once; the rest queue, in order, and all resolve`, { timeout: 30_000 }, async (t) => {
  const count = Math.max(600, MAX_QUERIES_IN_FLIGHT * 2); // more than the limit waits, for more than one turn
  const addressOf = (i: number) => `127.1.${i >> 8}.${i & 255}`;
  const dns = await holdingDns((name) => {
    const i = /^n(\d+)\.limit\.test$/.exec(name)?.[1];
    return i === undefined ? undefined : { A: addressOf(Number(i)) };
  });
  t.after(() => dns.close());
  const resolver = resolverFor(dns);
  const names = Array.from({ length: count }, (_, i) => `n${i}.limit.test`);

  dns.hold();
  const all = Promise.all(names.map((name) => resolver.resolve(name)));
  await dns.reached(MAX_QUERIES_IN_FLIGHT);
  await quiet(dns);
  assert.equal(dns.seen.length, MAX_QUERIES_IN_FLIGHT, 'no query beyond the limit while none is answered');
  assert.deepEqual(dns.seen, names.slice(0, MAX_QUERIES_IN_FLIGHT).map((name) => `A ${name}`), 'the first names asked go first');

  await dns.release();
  assert.deepEqual(await all, names.map((_, i) => ({ address: addressOf(i), family: 4 })));
  assert.deepEqual(dns.seen, names.map((name) => `A ${name}`), 'each name asked once, the waiting ones in the order they came');
  assert.equal(dns.mostHeld(), MAX_QUERIES_IN_FLIGHT);
});

test('a name whose query fails gives its place to a waiting one', { timeout: 30_000 }, async (t) => {
  const dns = await holdingDns((name) => (name.startsWith('nx') ? 'NXDOMAIN' : name.startsWith('fail') ? 'SERVFAIL' : { A: '127.0.0.5' }));
  t.after(() => dns.close());
  const resolver = resolverFor(dns);
  const failing = Array.from({ length: MAX_QUERIES_IN_FLIGHT }, (_, i) => (i % 2 ? `nx${i}.slots.test` : `fail${i}.slots.test`));
  const fine = Array.from({ length: 10 }, (_, i) => `ok${i}.slots.test`);

  dns.hold();
  const outcomes = Promise.allSettled([...failing, ...fine].map((name) => resolver.resolve(name)));
  await dns.reached(MAX_QUERIES_IN_FLIGHT);
  await quiet(dns);
  assert.equal(dns.seen.length, MAX_QUERIES_IN_FLIGHT);

  await dns.release();
  const settled = await outcomes;
  assert.deepEqual(
    settled.slice(0, failing.length).map((s) => (s.status === 'rejected' ? (s.reason as NodeJS.ErrnoException).code : s.status)),
    failing.map((name) => (name.startsWith('nx') ? 'ENOTFOUND' : 'ESERVFAIL')),
  );
  assert.deepEqual(settled.slice(failing.length), fine.map(() => ({ status: 'fulfilled', value: { address: '127.0.0.5', family: 4 } })));
  assert.equal(dns.seen.length, MAX_QUERIES_IN_FLIGHT + fine.length);
});

test('many lookups of one name at once make one query, and all get its answer', { timeout: 30_000 }, async (t) => {
  const dns = await holdingDns((name) => (name === 'same.resolver.test' ? { A: '127.0.0.7' } : undefined));
  t.after(() => dns.close());
  const resolver = resolverFor(dns);

  dns.hold();
  const resolves = Array.from({ length: 100 }, () => resolver.resolve('same.resolver.test'));
  const looked = new Promise((resolve, reject) =>
    resolver.lookup('same.resolver.test', { all: true }, (err, address) => (err ? reject(err) : resolve(address))),
  );
  await dns.reached(1);
  await quiet(dns);
  assert.deepEqual(dns.seen, ['A same.resolver.test']);
  assert.equal(resolver.known('same.resolver.test'), null, 'nothing is known before the answer');

  await dns.release();
  for (const r of await Promise.all(resolves)) assert.deepEqual(r, { address: '127.0.0.7', family: 4 });
  assert.deepEqual(await looked, [{ address: '127.0.0.7', family: 4 }]);
  assert.deepEqual(dns.seen, ['A same.resolver.test']);
});

test('an answer is kept for its TTL, at least MIN_TTL_MS and at most MAX_TTL_MS, and asked again after', async (t) => {
  const dns = await holdingDns((name) => {
    const ttl = /^ttl(\d+)\.resolver\.test$/.exec(name)?.[1];
    return ttl === undefined ? undefined : { A: '127.0.0.8', ttl: Number(ttl) };
  });
  t.after(() => dns.close());
  // Only Date: the cache's clock. The sockets and the event loop run as usual.
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const resolver = resolverFor(dns);
  const answer = { address: '127.0.0.8', family: 4 };

  const cases: Array<[ttlSeconds: number, keptMs: number]> = [
    [300, 300_000],
    [0, MIN_TTL_MS],
    [7_200, MAX_TTL_MS],
  ];
  for (const [ttl, kept] of cases) {
    const name = `ttl${ttl}.resolver.test`;
    const asked = () => dns.seen.filter((q) => q === `A ${name}`).length;
    assert.deepEqual(await resolver.resolve(name), answer);
    assert.equal(asked(), 1, name);

    t.mock.timers.tick(kept - 1);
    assert.deepEqual(resolver.known(name), answer, `${name}: known without waiting within its TTL`);
    assert.deepEqual(await resolver.resolve(name), answer);
    assert.equal(asked(), 1, `${name}: no new query within its TTL`);

    t.mock.timers.tick(1);
    assert.equal(resolver.known(name), null, `${name}: expired`);
    assert.deepEqual(await resolver.resolve(name), answer);
    assert.equal(asked(), 2, `${name}: asked again once expired`);
  }
});

test('NXDOMAIN rejects with ENOTFOUND, remembered for NEGATIVE_TTL_MS; SERVFAIL rejects with ESERVFAIL, not remembered', async (t) => {
  const dns = await holdingDns((name) => (name === 'broken.resolver.test' ? 'SERVFAIL' : undefined));
  t.after(() => dns.close());
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const resolver = resolverFor(dns);

  const name = 'missing.resolver.test';
  const err = await errorOf(resolver.resolve(name));
  assert.equal(err.code, 'ENOTFOUND');
  assert.equal(err.syscall, 'queryA');
  assert.equal(err.hostname, name);
  assert.deepEqual(dns.seen, [`A ${name}`], 'no AAAA query after NXDOMAIN');
  assert.equal(resolver.known(name), null);

  t.mock.timers.tick(NEGATIVE_TTL_MS - 1);
  assert.equal(await errorOf(resolver.resolve(name)), err, 'the remembered error, without a query');
  assert.equal(dns.seen.length, 1);
  t.mock.timers.tick(1);
  assert.equal((await errorOf(resolver.resolve(name))).code, 'ENOTFOUND');
  assert.equal(dns.seen.length, 2, 'asked again once the negative entry expired');

  const broken = 'broken.resolver.test';
  for (const n of [1, 2]) {
    const failed = await errorOf(resolver.resolve(broken));
    assert.equal(failed.code, 'ESERVFAIL');
    assert.equal(failed.syscall, 'queryA');
    assert.equal(dns.seen.filter((q) => q === `A ${broken}`).length, n, 'a server failure is asked again at once');
  }
});

test('a name without A records is asked for AAAA; one with neither rejects with ENODATA, remembered', async (t) => {
  const dns = await holdingDns((name) => (name === 'six.resolver.test' ? { AAAA: '::1' } : name === 'empty.resolver.test' ? {} : undefined));
  t.after(() => dns.close());
  const resolver = resolverFor(dns);

  assert.deepEqual(await resolver.resolve('six.resolver.test'), { address: '::1', family: 6 });
  assert.deepEqual(dns.seen, ['A six.resolver.test', 'AAAA six.resolver.test']);

  const err = await errorOf(resolver.resolve('empty.resolver.test'));
  assert.equal(err.code, 'ENODATA');
  assert.equal(err.syscall, 'queryAaaa');
  assert.equal(err.hostname, 'empty.resolver.test');
  assert.equal(await errorOf(resolver.resolve('empty.resolver.test')), err);
  assert.deepEqual(dns.seen.slice(2), ['A empty.resolver.test', 'AAAA empty.resolver.test'], 'asked once');
});

test('an IP literal is its own answer, without a query', async (t) => {
  const dns = await holdingDns(() => undefined);
  t.after(() => dns.close());
  const resolver = resolverFor(dns);
  assert.deepEqual(await resolver.resolve('127.0.0.9'), { address: '127.0.0.9', family: 4 });
  assert.deepEqual(await resolver.resolve('::1'), { address: '::1', family: 6 });
  assert.deepEqual(resolver.known('127.0.0.9'), { address: '127.0.0.9', family: 4 });
  assert.deepEqual(dns.seen, []);
});
