// Turns one input line into a request target, a skip (blank, comment) or a reason it is not a URL.
// Never throws: bad input becomes an `invalid_url` row, never a stop.
import { isIP } from 'node:net';
import { Codes } from '../result/errors.js';

/** Longest URL accepted; most servers refuse longer request lines anyway. */
export const MAX_URL_LENGTH = 8192;

export type ParsedLine =
  | { kind: 'skip' }
  | { kind: 'invalid'; code: string; message: string }
  | { kind: 'url'; target: string; host: string; bare: boolean };

const SKIP: ParsedLine = { kind: 'skip' };
const scheme = /^([a-z][a-z0-9+.-]*):/i;
const hostPort = /^[^/?#]*:\d*(?:[/?#]|$)/; // `example.com:8080/x` is a host with a port, not a scheme
const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function invalid(code: string, message: string): ParsedLine {
  return { kind: 'invalid', code, message };
}

export function parseLine(raw: string): ParsedLine {
  const text = raw.trim().replace(/^\uFEFF/, '');
  if (text === '' || text.startsWith('#')) return SKIP;
  if (text.length > MAX_URL_LENGTH) return invalid(Codes.lineTooLong, `longer than ${MAX_URL_LENGTH} characters`);
  if (/[\s\x00-\x1f\x7f\uFFFD]/.test(text)) return invalid(Codes.invalidUrl, 'contains spaces or control characters');

  const schemeMatch = scheme.exec(text);
  if (schemeMatch && !(hostPort.test(text) && !text.includes('://'))) {
    const name = schemeMatch[1]!.toLowerCase();
    if (name !== 'http' && name !== 'https') return invalid(Codes.unsupportedScheme, `unsupported scheme "${name}:"`);
    return fromUrl(text, false);
  }
  return fromUrl('https://' + text, true);
}

function fromUrl(text: string, bare: boolean): ParsedLine {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid(Codes.invalidUrl, bare ? 'not a URL or host name' : 'malformed URL');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return invalid(Codes.invalidUrl, 'no host');
  if (!isIP(host) && !validHostName(host, bare)) {
    return invalid(Codes.invalidUrl, bare ? 'not a URL or host name' : `invalid host name "${host}"`);
  }
  if (url.username || url.password) url.username = url.password = '';
  url.hash = '';
  return { kind: 'url', target: url.href, host, bare };
}

/** A DNS name of letter-digit-hyphen labels; a bare name also needs a dot (or to be localhost). */
function validHostName(host: string, bare: boolean): boolean {
  if (host.length > 253) return false;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  if (bare && labels.length < 2 && host !== 'localhost') return false;
  // Names with underscores exist in the wild (service records, some CDNs); accept them in full URLs.
  return labels.every((l) => label.test(bare ? l : l.replace(/_/g, 'a')));
}
