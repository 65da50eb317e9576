// The simulated internet's certificates (src/sim/certs.ts, x509.ts), read back by OpenSSL through Node's
// X509Certificate: a CA that signs, leaves that it issued for exactly the names asked, no openssl binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { makeCerts } from '../../src/sim/certs.js';

test('a CA of its own, written to its file, and leaves it issued for exactly the names asked', async () => {
  const certs = await makeCerts('urlsweep unit CA');
  try {
    const ca = new X509Certificate(certs.ca.cert);
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, 'CN=urlsweep unit CA');
    assert.equal(ca.checkIssued(ca), true, 'self-signed');
    assert.equal(ca.verify(ca.publicKey), true);
    assert.equal(readFileSync(certs.caFile, 'utf8'), certs.ca.cert);
    assert.deepEqual(createPublicKey(certs.ca.key).export({ type: 'spki', format: 'der' }), ca.publicKey.export({ type: 'spki', format: 'der' }));

    const leaves: [string, string[], string[]][] = [
      // *.test matches nothing for Node's check (a wildcard of a top-level name): why leaves are minted per name.
      [certs.testLeaf.cert, ['test'], ['fine.test', 'wrong.invalid']],
      [certs.wrongLeaf.cert, ['wrong.invalid'], ['fine.test']],
      [certs.mint('fine-1.shard7.test'), ['fine-1.shard7.test'], ['fine-2.shard7.test', 'shard7.test']],
    ];
    for (const [pem, good, bad] of leaves) {
      const leaf = new X509Certificate(pem);
      assert.equal(leaf.ca, false);
      assert.equal(leaf.checkIssued(ca), true);
      assert.equal(leaf.verify(ca.publicKey), true, 'signed by the CA');
      assert.ok(leaf.checkPrivateKey(createPrivateKey(certs.testLeaf.key)), 'for the one leaf key');
      for (const name of good) assert.equal(leaf.checkHost(name), name, `${leaf.subjectAltName} covers ${name}`);
      for (const name of bad) assert.equal(leaf.checkHost(name), undefined, `${leaf.subjectAltName} does not cover ${name}`);
      assert.ok(Date.parse(leaf.validFrom) < Date.now() && Date.parse(leaf.validTo) > Date.now());
    }
    const other = await makeCerts('another CA');
    assert.equal(new X509Certificate(other.testLeaf.cert).verify(ca.publicKey), false, 'another CA’s leaf is not ours');
    await other.remove();
  } finally {
    await certs.remove();
  }
});
