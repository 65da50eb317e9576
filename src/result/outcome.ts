// The one place where a failure becomes an outcome. Decisions use `err.code` only, never message text.
import type { Outcome } from '../messages.js';
import { Codes } from './errors.js';


const exact: Record<string, Outcome> = {
  ECONNREFUSED: 'connect_refused',
  UND_ERR_CONNECT_TIMEOUT: 'connect_timeout',
  ETIMEDOUT: 'connect_timeout',
  [Codes.connectDeadline]: 'connect_timeout',
  [Codes.proxyTimeout]: 'connect_timeout',
  EHOSTUNREACH: 'connect_error',
  EHOSTDOWN: 'connect_error',
  ENETUNREACH: 'connect_error',
  ENETDOWN: 'connect_error',
  EADDRNOTAVAIL: 'connect_error',
  EADDRINUSE: 'connect_error',
  EACCES: 'connect_error',
  EPERM: 'connect_error',
  EMFILE: 'connect_error',
  ENFILE: 'connect_error',
  EPROTO: 'tls_error',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  [Codes.deadline]: 'timeout',
  ECONNRESET: 'protocol_error',
  EPIPE: 'protocol_error',
  UND_ERR_SOCKET: 'protocol_error',
  UND_ERR_CLOSED: 'protocol_error',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol_error',
  UND_ERR_HEADERS_OVERFLOW: 'protocol_error',
  UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE: 'protocol_error',
  UND_ERR_INFO: 'protocol_error',
  [Codes.badStatus]: 'protocol_error',
  [Codes.blocked]: 'blocked',
  [Codes.proxyUnreachable]: 'proxy_error',
  [Codes.proxyRefused]: 'proxy_error',
  [Codes.proxyAuth]: 'proxy_error',
  [Codes.tooManyRedirects]: 'too_many_redirects',
  [Codes.redirectLoop]: 'too_many_redirects',
  [Codes.invalidUrl]: 'invalid_url',
  [Codes.unsupportedScheme]: 'invalid_url',
  [Codes.lineTooLong]: 'invalid_url',
  [Codes.binaryLine]: 'invalid_url',
  ERR_INVALID_URL: 'invalid_url',
};

/** Families of codes that share a prefix: OpenSSL's certificate and TLS codes, llhttp's parser codes. */
const prefixes: Array<[string, Outcome]> = [
  ['ERR_TLS_', 'tls_error'],
  ['ERR_SSL_', 'tls_error'],
  ['CERT_', 'tls_error'],
  ['UNABLE_TO_', 'tls_error'],
  ['DEPTH_ZERO_', 'tls_error'],
  ['SELF_SIGNED_', 'tls_error'],
  ['HOSTNAME_MISMATCH', 'tls_error'],
  ['HPE_', 'protocol_error'],
];

/**
 * Where a failure happened: a name-resolution failure is a `dns_error` whatever its code; a reset or
 * close before the connection was up (TCP and TLS) is the host refusing the connection attempt.
 */
export type Phase = 'dns' | 'connect' | 'request';

const closedCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/** Name-resolution codes that can also surface while connecting (an address looked up again by the socket). */
const dnsCodes = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'ETIMEOUT']);

export function classify(code: string | undefined, phase: Phase = 'request'): Outcome {
  if (phase === 'dns') return 'dns_error';
  if (phase === 'connect' && code && closedCodes.has(code)) return 'connect_refused';
  if (code && dnsCodes.has(code)) return 'dns_error';
  // The kernel's own timeout: on an established connection it is the response that did not come.
  if (phase === 'request' && code === 'ETIMEDOUT') return 'timeout';
  if (!code) return 'protocol_error';
  const hit = exact[code];
  if (hit) return hit;
  for (const [prefix, outcome] of prefixes) if (code.startsWith(prefix)) return outcome;
  // An unknown code from the socket layer: it ended the exchange without a valid response.
  return 'protocol_error';
}

/** Failures worth another attempt: they often pass (timeouts, resets, overload). */
const transientCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  Codes.proxyTimeout,
  'ETIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'EADDRNOTAVAIL',
  // c-ares: the server did not answer or failed, as opposed to "no such name".
  'ETIMEOUT',
  'ESERVFAIL',
]);
const transientStatuses = new Set([429, 502, 503, 504]);

export function isTransientError(code: string | undefined): boolean {
  return code !== undefined && transientCodes.has(code);
}

/** Codes of a connection lost or spoilt under a request (closed, reset, bytes that are not an answer). */
const brokenConnectionCodes = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'EPIPE', 'HPE_INVALID_RESPONSE']);

/**
 * A request on a kept-alive connection that failed this way before any answer came may have met a
 * connection the server had given up on (closed it, or left stray bytes on it): worth once more on a
 * connection of its own, as browsers and curl do, before it is the URL's failure. (undici's parser errors
 * carry no code: codeOf names them all HPE_INVALID_RESPONSE.)
 */
export function isBrokenConnection(code: string | undefined): boolean {
  return code !== undefined && brokenConnectionCodes.has(code);
}

export function isTransientStatus(status: number): boolean {
  return transientStatuses.has(status);
}

/** A bare host name falls back from HTTPS to HTTP when HTTPS got no answer at all (a proxy's refusal to reach it included). */
export function isNoAnswer(outcome: Outcome): boolean {
  return (
    outcome === 'connect_refused' ||
    outcome === 'connect_timeout' ||
    outcome === 'connect_error' ||
    outcome === 'tls_error' ||
    outcome === 'proxy_error'
  );
}

/**
 * The code of a caught error. undici's HTTPParserError comes without one (it looks its code up in the
 * wrong table), so it gets a stable code of the llhttp family here; errors are told apart by code or
 * class name, never by message text.
 */
export function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string' && e.code) return e.code;
  if (e?.name === 'HTTPParserError') return 'HPE_INVALID_RESPONSE';
  return typeof e?.name === 'string' && e.name !== 'Error' ? e.name : 'UNKNOWN';
}


/** OpenSSL's error queue line: `C0E67F8F8F7F0000:error:0A00010B:SSL routines:ssl3_get_record:` words `:file.c:350:`. */
const OPENSSL_PREFIX = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:/;
const OPENSSL_SOURCE = /:[^:]*\.c:\d+:(.*)$/;

/** A short human text for `error_message`: the first line, capped; OpenSSL's codes before the words dropped. */
export function shortMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  let first = text.split('\n', 1)[0] ?? '';
  if (OPENSSL_PREFIX.test(first)) first = `TLS: ${first.replace(OPENSSL_PREFIX, '').replace(OPENSSL_SOURCE, (_, after: string) => (after ? ` (${after})` : ''))}`;
  return first.length > 200 ? first.slice(0, 197) + '...' : first;
}
