// Makes the sim's throw-away PKI with the openssl CLI: a CA that clients can be
// told to trust (--ca), a *.test leaf (the default certificate) and a leaf for
// wrong.invalid (served to wrongname* hosts to cause a name mismatch).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KeyPair {
  key: string; // PEM private key
  cert: string; // PEM certificate
}

export interface SimCerts {
  caFile: string;
  ca: KeyPair;
  testLeaf: KeyPair; // *.test + test
  wrongLeaf: KeyPair; // wrong.invalid
  remove(): Promise<void>;
}

// A self-contained config so the system openssl.cnf cannot add or clash with extensions.
const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[test_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.test, DNS:test
authorityKeyIdentifier = keyid
[wrong_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.invalid
authorityKeyIdentifier = keyid
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function serial(): string {
  return '0x' + randomBytes(16).toString('hex');
}

/** A CA of its own and leaves from it; `caName` tells two such CAs apart when both are trusted at once. */
export async function makeCerts(caName = 'urlsweep sim CA'): Promise<SimCerts> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'urlsweep-sim-'));
  const file = (name: string) => path.join(dir, name);
  try {
    await writeFile(file('openssl.cnf'), CONFIG);
    const config = ['-config', file('openssl.cnf')];
    await run('openssl', [
      'req', '-x509', ...EC_KEY, '-keyout', file('ca.key'), '-out', file('ca.pem'),
      '-subj', `/CN=${caName}`, '-days', '30', '-set_serial', serial(), ...config, '-extensions', 'ca',
    ]);

    const leaf = async (name: string, subject: string, section: string): Promise<KeyPair> => {
      await run('openssl', ['req', '-new', ...EC_KEY, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject, ...config]);
      await run('openssl', [
        'x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
        '-set_serial', serial(), '-days', '30', '-sha256', '-extfile', file('openssl.cnf'), '-extensions', section,
        '-out', file(`${name}.pem`),
      ]);
      return { key: await readFile(file(`${name}.key`), 'utf8'), cert: await readFile(file(`${name}.pem`), 'utf8') };
    };
    const [testLeaf, wrongLeaf] = await Promise.all([
      leaf('test', '/CN=*.test', 'test_leaf'),
      leaf('wrong', '/CN=wrong.invalid', 'wrong_leaf'),
    ]);
    const ca = { key: await readFile(file('ca.key'), 'utf8'), cert: await readFile(file('ca.pem'), 'utf8') };
    return { caFile: file('ca.pem'), ca, testLeaf, wrongLeaf, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    const detail = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`urlsweep sim: making certificates with the openssl CLI failed: ${(err as Error).message} ${detail}`.trim(), { cause: err });
  }
}
