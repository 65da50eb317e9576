// What makes "the same input": for each file its path, size and a fingerprint of its content that costs
// a handful of reads even for a 10 GB file (samples at the start, the end and three points between).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { UsageError } from '../result/errors.js';

export interface InputIdentity {
  path: string;
  size: number | null;
  fingerprint: string | null;
}

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_POINTS = [0, 0.25, 0.5, 0.75, 1];

export function identify(inputs: string[]): InputIdentity[] {
  return inputs.map((path) => {
    // stdin cannot be checked: a resumed sweep trusts that it is the same stream (the help says so).
    if (path === '-') return { path: '-', size: null, fingerprint: null };
    try {
      const size = statSync(path).size;
      return { path: resolve(path), size, fingerprint: fingerprint(path, size) };
    } catch (err) {
      throw new UsageError(`cannot read input ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  });
}

function fingerprint(path: string, size: number): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(SAMPLE_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (const point of SAMPLE_POINTS) {
      const start = Math.max(0, Math.min(size - SAMPLE_BYTES, Math.floor(size * point)));
      const read = readSync(fd, buffer, 0, SAMPLE_BYTES, start);
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.update(String(size)).digest('hex').slice(0, 32);
}

/** Why two identities differ, in the user's terms; null when they are the same input. */
export function difference(before: InputIdentity[], now: InputIdentity[]): string | null {
  if (before.length !== now.length) return `it had ${before.length} input(s), now ${now.length}`;
  for (let i = 0; i < now.length; i++) {
    const a = before[i]!;
    const b = now[i]!;
    if (a.path !== b.path) return `input ${i + 1} was ${a.path}, now ${b.path}`;
    if (a.size !== b.size) return `${b.path} changed size (${a.size} -> ${b.size} bytes)`;
    if (a.fingerprint !== b.fingerprint) return `${b.path} changed content`;
  }
  return null;
}
