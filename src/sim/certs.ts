// The simulated internet's throw-away PKI, made in code (x509.ts): a CA that clients can be told to trust
// (--ca, also written to a file), a leaf for *.test and test (the default certificate), one for
// wrong.invalid (served to wrongname* hosts to cause a name mismatch), and a minter of leaves for exact
// names, all with the one leaf key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLeafMinter, makeCa, type KeyPair } from './x509.js';

export type { KeyPair } from './x509.js';

export interface SimCerts {
  caFile: string;
  ca: KeyPair;
  testLeaf: KeyPair; // *.test + test
  wrongLeaf: KeyPair; // wrong.invalid
  /** A certificate for exactly these names, for testLeaf's key. */
  mint(...hostnames: string[]): string;
  remove(): Promise<void>;
}

/** A CA of its own and leaves from it; `caName` tells two such CAs apart when both are trusted at once. */
export async function makeCerts(caName = 'urlsweep sim CA'): Promise<SimCerts> {
  const ca = makeCa(caName);
  const leaves = createLeafMinter(ca);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'urlsweep-sim-'));
  const caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, ca.cert).catch(async (err: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    caFile,
    ca,
    testLeaf: { key: leaves.key, cert: leaves.mint('*.test', 'test') },
    wrongLeaf: { key: leaves.key, cert: leaves.mint('wrong.invalid') },
    mint: leaves.mint,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
