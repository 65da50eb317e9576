// The simulated internet's certificates, built in code: a CA of its own, and leaves for exact host names
// signed by it. Why by hand: Node's TLS name check refuses "*.tld" wildcards (so *.test never matches
// fine.test) and a wildcard covers only one label (not fine-1.shard7.test), so the simulated internet mints
// a leaf per name, tens of thousands of them (an openssl process each would be far too slow); and with the
// CA built the same way, nothing needs an openssl binary. ECDSA P-256 with node:crypto; DER written here.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  let length: Buffer;
  if (body.length < 0x80) length = Buffer.from([body.length]);
  else {
    const hex = body.length.toString(16);
    const bytes = Buffer.from(hex.length % 2 ? '0' + hex : hex, 'hex');
    length = Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

const ECDSA_SHA256 = seq(hex('06 08 2a 86 48 ce 3d 04 03 02'));
const TRUE = hex('01 01 ff');
const LEAF_EXTENSIONS = [
  seq(hex('06 03 55 1d 13'), TRUE, tlv(0x04, seq())), // basicConstraints: critical, CA:FALSE
  seq(hex('06 03 55 1d 0f'), TRUE, tlv(0x04, hex('03 02 07 80'))), // keyUsage: critical, digitalSignature
  seq(hex('06 03 55 1d 25'), tlv(0x04, seq(hex('06 08 2b 06 01 05 05 07 03 01')))), // extKeyUsage: serverAuth
];
const CA_EXTENSIONS = [
  seq(hex('06 03 55 1d 13'), TRUE, tlv(0x04, seq(TRUE))), // basicConstraints: critical, CA:TRUE
  seq(hex('06 03 55 1d 0f'), TRUE, tlv(0x04, hex('03 02 01 06'))), // keyUsage: critical, keyCertSign, cRLSign
];
const SAN_OID = hex('06 03 55 1d 11');
const SKI_OID = hex('06 03 55 1d 0e');
const AKI_OID = hex('06 03 55 1d 23');
const DAY_MS = 86_400_000;

function utcTime(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const s = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

// Returns the element list inside a DER SEQUENCE (only what is needed to find the CA's subject).
function children(der: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const headerLength = (buf: Buffer, at: number) => (buf[at + 1]! < 0x80 ? 2 : 2 + (buf[at + 1]! & 0x7f));
  const bodyLength = (buf: Buffer, at: number) => {
    const first = buf[at + 1]!;
    if (first < 0x80) return first;
    return buf.readUIntBE(at + 2, first & 0x7f);
  };
  let at = headerLength(der, 0);
  const end = at + bodyLength(der, 0);
  while (at < end) {
    const size = headerLength(der, at) + bodyLength(der, at);
    out.push(der.subarray(at, at + size));
    at += size;
  }
  return out;
}

export interface KeyPair {
  key: string; // PEM private key
  cert: string; // PEM certificate
}

function newKey(): { pem: string; spki: Buffer } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

/** A Name of one common name (CN), as a certificate's issuer or subject. */
function commonName(cn: string): Buffer {
  return seq(tlv(0x31, seq(hex('06 03 55 04 03'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
}

/** Signs a TBSCertificate with `signingKey` into a PEM certificate valid from an hour ago for 30 days. */
function certificate(issuer: Buffer, subject: Buffer, spki: Buffer, extensions: Buffer[], signingKey: ReturnType<typeof createPrivateKey>): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, minimal encoding
  const now = Date.now();
  const tbs = seq(
    hex('a0 03 02 01 02'), // version 3
    tlv(0x02, serial),
    ECDSA_SHA256,
    issuer,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 30 * DAY_MS))),
    subject,
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), sign('sha256', tbs, signingKey)));
  const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** A key's identifier: SHA-1 of its public key's bits (the BIT STRING's contents after its unused-bits byte). */
function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(children(spki)[1]!.subarray(3)).digest();
}

/** A self-signed CA that clients can be told to trust; `name` tells two such CAs apart. */
export function makeCa(name: string): KeyPair {
  const { pem, spki } = newKey();
  const ski = seq(SKI_OID, tlv(0x04, tlv(0x04, keyId(spki))));
  const subject = commonName(name);
  return { key: pem, cert: certificate(subject, subject, spki, [...CA_EXTENSIONS, ski], createPrivateKey(pem)) };
}

/** A fresh leaf key (PEM) and a minter of certificates for it, each naming the given host names. */
export function createLeafMinter(ca: KeyPair, leafKeyPem: string = newKey().pem): { key: string; mint(...hostnames: string[]): string } {
  const caKey = createPrivateKey(ca.key);
  const spki = createPublicKey(leafKeyPem).export({ type: 'spki', format: 'der' });
  // TBSCertificate of the CA: [0]version, serial, signature alg, issuer, validity, subject, ...
  const caCert = new X509Certificate(ca.cert);
  const caSubject = children(children(caCert.raw)[0]!)[5]!;
  const aki = seq(AKI_OID, tlv(0x04, seq(tlv(0x80, keyId(caCert.publicKey.export({ type: 'spki', format: 'der' }))))));
  return {
    key: leafKeyPem,
    // An empty subject: the names live in the (then critical) subjectAltName.
    mint: (...hostnames) => {
      const san = seq(SAN_OID, TRUE, tlv(0x04, seq(...hostnames.map((h) => tlv(0x82, Buffer.from(h, 'ascii'))))));
      return certificate(caSubject, seq(), spki, [...LEAF_EXTENSIONS, san, aki], caKey);
    },
  };
}
