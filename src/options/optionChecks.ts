// What the user asked for, checked and turned into SweepOptions' terms, with plain messages: the same for
// the CLI and for library callers (the CLI only parses its arguments and calls these).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { UsageError } from '../result/errors.js';
import { OUTCOMES } from '../messages.js';
import type { SweepOptions } from './sweepOptions.js';

/** `Name: value` as a header entry (name lower case). */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError(`--header wants "Name: value", got "${text}"`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

/** A DNS server as `IP`, `IP:PORT` or `[IPv6]:PORT`. */
export function checkResolver(text: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text);
  const ip = m?.[1] ?? m?.[2];
  if (!ip || !isIP(ip) || (m?.[2] && isIP(ip) === 6 && m[3])) {
    throw new UsageError(`--resolver wants IP or IP:PORT (IPv6 as [IP]:PORT), got "${text}"`);
  }
  return text;
}

/** The CA certificates in a PEM file. */
export function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --ca ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Outcomes --redo may name: every outcome but invalid_url (an invalid line stays invalid). */
const REDO_OUTCOMES: readonly string[] = OUTCOMES.filter((o) => o !== 'invalid_url');

/** `--redo timeout,URLSWEEP_HOST_DOWN,503`: outcomes, error codes and statuses, comma-separated or repeated. */
export function redoList(values: string[]): string[] {
  const items = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.map((item) => {
    if (item.toLowerCase() === 'invalid_url') throw new UsageError('--redo invalid_url: an invalid line stays invalid; fix the input and sweep it with --fresh');
    if (REDO_OUTCOMES.includes(item.toLowerCase())) return item.toLowerCase();
    if (/^[1-5]\d\d$/.test(item)) return item;
    if (/^[A-Za-z][A-Za-z0-9_]*$/.test(item)) return item.toUpperCase();
    throw new UsageError(`--redo wants outcomes (${REDO_OUTCOMES.join(', ')}), error codes (ENOTFOUND, URLSWEEP_HOST_DOWN, …) or statuses (503), got "${item}"`);
  });
}

type Timeouts = Pick<SweepOptions, 'timeoutMs' | 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs'>;

/** The timeouts given over `base`; neither the headers' nor the body's may outlast the total. */
export function resolveTimeouts(given: Partial<Timeouts>, base: Timeouts): Timeouts {
  const timeoutMs = given.timeoutMs ?? base.timeoutMs;
  return {
    timeoutMs,
    connectTimeoutMs: given.connectTimeoutMs ?? base.connectTimeoutMs,
    headersTimeoutMs: Math.min(given.headersTimeoutMs ?? base.headersTimeoutMs, timeoutMs),
    bodyTimeoutMs: Math.min(given.bodyTimeoutMs ?? base.bodyTimeoutMs, timeoutMs),
  };
}
