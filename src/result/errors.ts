// Every error class of urlsweep, and the codes of its own per-URL failures, in one place (as undici's
// lib/core/errors.js). Two families: a URL's failure carries a stable `code` and becomes a row
// (src/result/outcome.ts turns codes into outcomes); a sweep's failure is a UrlsweepError, which the CLI prints
// as one line and exits with its `exitCode`. Anything else that reaches the CLI is a bug, shown with its stack.
// Two signals never leave a worker and live beside their one thrower: the scheduler's TurnRefused and the
// exchange's ExchangeError (a failure with where it happened).

/** Codes urlsweep itself raises (undici's and Node's own codes are used as they come). */
export const Codes = {
  deadline: 'URLSWEEP_DEADLINE',
  connectDeadline: 'URLSWEEP_CONNECT_DEADLINE',
  tooManyRedirects: 'URLSWEEP_TOO_MANY_REDIRECTS',
  redirectLoop: 'URLSWEEP_REDIRECT_LOOP',
  invalidUrl: 'URLSWEEP_INVALID_URL',
  unsupportedScheme: 'URLSWEEP_UNSUPPORTED_SCHEME',
  lineTooLong: 'URLSWEEP_LINE_TOO_LONG',
  binaryLine: 'URLSWEEP_BINARY_LINE',
  /** A spreadsheet or JSON record that could not be read, or whose URL field is missing or empty. */
  badRecord: 'URLSWEEP_BAD_RECORD',
  /** A URL not tried: its host had failed --host-errors times in a row with no answer (no connection, or silence). */
  hostDown: 'URLSWEEP_HOST_DOWN',
  /** A status line whose status is below 100 (`000`, `042`): not an HTTP answer. */
  badStatus: 'URLSWEEP_BAD_STATUS',
  /** An address refused by --block-private. */
  blocked: 'URLSWEEP_BLOCKED',
  /** The proxy could not be reached (connect, TLS with the proxy). */
  proxyUnreachable: 'URLSWEEP_PROXY_UNREACHABLE',
  /** The proxy answered CONNECT with something but 2xx (or not HTTP, or closed instead of answering). */
  proxyRefused: 'URLSWEEP_PROXY_REFUSED',
  /** The proxy wants credentials (407). */
  proxyAuth: 'URLSWEEP_PROXY_AUTH',
  /** No answer to CONNECT within the connect timeout: the proxy is most likely still trying the target. */
  proxyTimeout: 'URLSWEEP_PROXY_TIMEOUT',
  /** A bug in urlsweep, recorded on the URL's row rather than lost. */
  internal: 'URLSWEEP_INTERNAL',
} as const;

/** One URL's failure with a stable code (one of Codes); it ends as a row, never as a stop. */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failure that stops a command: said in one line, with the exit code the CLI returns. */
export class UrlsweepError extends Error {
  readonly exitCode: number = 1;
}

/** A problem with what the user asked for, said plainly (exit 2). */
export class UsageError extends UrlsweepError {
  override readonly exitCode = 2;
}

/** The input cannot be read, or the sweep cannot finish (exit 1). */
export class SweepError extends UrlsweepError {}

/** The database cannot be opened, read or written (exit 1). */
export class StoreError extends UrlsweepError {}

/** Worker threads failed beyond recovery (exit 1). */
export class WorkerLostError extends UrlsweepError {}

/** A query the database refused (exit 1). */
export class QueryError extends UrlsweepError {}
