// --block-private's ranges (workers/addressPolicy.ts), and the sweep refusing loopback with it on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedRange, refusingLookup } from '../../workers/addressPolicy.js';
import type { HostResolver } from '../../workers/resolver.js';
import { Codes } from '../../src/result/errors.js';
import { startSimInternet, type SimInternet } from '../../src/sim/index.js';
import { sweepLines, tempDir } from '../support/simSweep.js';

test('every range the issue names is refused, public unicast is not', () => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['fc00::1', 'uniqueLocal'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['::7f00:1', 'ipv4Compatible'],
    ['2002:a00:1::', '6to4'],
  ];
  for (const [address, range] of refused) assert.equal(refusedRange(address), range, address);
  for (const address of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '64:ff9b::808:808']) assert.equal(refusedRange(address), null, address);
});

test('the connections\' lookup refuses what a name resolves to when it connects', async () => {
  const answers: Record<string, string[]> = { 'rebound.test': ['10.0.0.7'], 'public.test': ['8.8.8.8'], 'mixed.test': ['8.8.8.8', '::1'] };
  const fake = ((host: string, options: { all?: boolean }, callback: (err: NodeJS.ErrnoException | null, address: unknown, family?: number) => void) =>
    options.all
      ? callback(null, answers[host]!.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })))
      : callback(null, answers[host]![0], 4)) as unknown as HostResolver['lookup'];
  const lookup = refusingLookup(fake);
  const ask = (host: string, all = false) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) => lookup(host, { all }, (err, address) => resolve({ err, address })));
  const refused = await ask('rebound.test');
  assert.equal(refused.err?.code, Codes.blocked);
  assert.match(refused.err!.message, /10\.0\.0\.7 is a private address/);
  assert.deepEqual(await ask('public.test'), { err: null, address: '8.8.8.8' });
  const mixed = await ask('mixed.test', true);
  assert.equal(mixed.err?.code, Codes.blocked, 'every address a connection may try is checked');
  assert.match(mixed.err!.message, /::1 is a loopback address/);
});

let sim: SimInternet;
const temp = tempDir();
before(async () => (sim = await startSimInternet()));
after(async () => {
  await sim.close();
  temp.remove();
});

test('with --block-private, a name resolving to loopback and a loopback IP are blocked; without it they answer', async () => {
  const urls = ['http://fine-blocked.test/', `http://127.0.0.1:${sim.httpPort}/`];
  const blocked = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/blocked.db`, blockPrivate: true });
  for (const url of urls) {
    const r = blocked.byUrl.get(url)!;
    assert.equal(r.outcome, 'blocked', url);
    assert.equal(r.error_code, Codes.blocked);
    assert.match(r.error_message!, /^127\.0\.0\.1 is a loopback address, refused by --block-private$/);
    assert.equal(r.remote_ip, '127.0.0.1');
  }
  const open = await sweepLines(sim, temp.dir, urls, { db: `${temp.dir}/open.db` });
  for (const url of urls) assert.equal(open.byUrl.get(url)!.outcome, 'response', url);
});
