// Sizes on the command line: `10MiB`, `512KB`, `1G`, `2048`; units of 1024 (KiB, MiB, GiB, and K, M, G
// and KB, MB, GB read the same way, as most tools that take sizes do); a bare number means bytes.
import { UsageError } from '../result/errors.js';

const units: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes. */
export function parseSize(text: string | number): number {
  const match = typeof text === 'number' ? null : /^\s*(\d+(?:\.\d+)?)\s*(?:([kmg]?)i?b?)\s*$/i.exec(text);
  const unit = match ? units[match[2]!.toLowerCase()]! : 1;
  // A fraction of a unit is rounded to a byte; a fraction of a byte is a mistake.
  const bytes = typeof text === 'number' ? text : match && (unit > 1 || Number.isInteger(Number(match[1]))) ? Math.round(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`not a size: "${text}" (examples: 10MiB, 512KiB, 1GiB; a bare number means bytes)`);
  return bytes;
}
