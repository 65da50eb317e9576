// Mints a leaf certificate for one exact host name, signed by the sim CA.
// Why: Node's TLS name check refuses "*.tld" wildcards (so *.test never matches
// fine.test), and a wildcard covers only one label (not fine-1.shard7.test).
// Spawning openssl per host would be far too slow for tens of thousands of hosts,
// so this builds the DER by hand and signs it with node:crypto (ECDSA P-256).
import { createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate } from 'node:crypto';

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
const EXTENSIONS_FIXED = [
  seq(hex('06 03 55 1d 13'), TRUE, tlv(0x04, seq())), // basicConstraints: critical, CA:FALSE
  seq(hex('06 03 55 1d 0f'), TRUE, tlv(0x04, hex('03 02 07 80'))), // keyUsage: critical, digitalSignature
  seq(hex('06 03 55 1d 25'), tlv(0x04, seq(hex('06 08 2b 06 01 05 05 07 03 01')))), // extKeyUsage: serverAuth
];
const SAN_OID = hex('06 03 55 1d 11');

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

export function createLeafMinter(caCertPem: string, caKeyPem: string, leafKeyPem: string): (hostname: string) => string {
  const caKey = createPrivateKey(caKeyPem);
  const spki = createPublicKey(leafKeyPem).export({ type: 'spki', format: 'der' });
  // TBSCertificate of the CA: [0]version, serial, signature alg, issuer, validity, subject, ...
  const caSubject = children(children(new X509Certificate(caCertPem).raw)[0]!)[5]!;

  return (hostname) => {
    const serial = randomBytes(16);
    serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, minimal encoding
    const now = Date.now();
    const tbs = seq(
      hex('a0 03 02 01 02'), // version 3
      tlv(0x02, serial),
      ECDSA_SHA256,
      caSubject,
      seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 30 * 86400_000))),
      seq(), // empty subject: the name lives in the (then critical) subjectAltName
      spki,
      tlv(0xa3, seq(...EXTENSIONS_FIXED, seq(SAN_OID, TRUE, tlv(0x04, seq(tlv(0x82, Buffer.from(hostname, 'ascii'))))))),
    );
    const signature = sign('sha256', tbs, caKey);
    const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.from([0]), signature));
    const b64 = der.toString('base64').match(/.{1,64}/g)!.join('\n');
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  };
}
