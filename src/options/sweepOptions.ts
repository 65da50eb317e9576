// The options of a sweep as the library takes them; the CLI only turns argv into this.
import { availableParallelism } from 'node:os';
import type { EngineConfig, WarcTarget } from '../messages.js';
import { connectionsPerWorker } from './openFiles.js';
import { VERSION } from '../version.js';
import { recordedProxy, resolveProxy } from './proxySettings.js';
import { inputFormat, type InputFormat } from '../input/records.js';
import { shardText, type Shard } from './shard.js';

export interface SweepOptions {
  /** Paths of the inputs in order; `-` is stdin; `.gz` files are decompressed. */
  inputs: string[];
  /** text (one URL a line), csv, tsv or jsonl; null: by the inputs' extension. */
  inputFormat: InputFormat | null;
  /** The URL's column (name, or 1-based number) or JSON field in spreadsheet and JSON lists; null: `url`. */
  column: string | null;
  /** The database file. */
  db: string;
  /** Discard the database's earlier sweep instead of refusing or resuming. */
  fresh: boolean;
  /** --shard I/N: sweep only this share of the input's lines (null: all of them). */
  shard: Shard | null;
  threads: number;
  /** Requests in flight across all threads. */
  concurrency: number;
  perHost: number;
  /** Send each host's URLs to every worker, its per-host limit split between them (for lists of a few big hosts). */
  spreadHosts: boolean;
  /** Requests per second per host (--host-rate); null: no limit but the host's own push-back. */
  hostRate: number | null;
  /** Requests per second of the whole sweep (--rate); null: no limit. */
  rate: number | null;
  /** Connection failures in a row, with no answer, after which a host's other URLs are not tried; 0: never. */
  hostErrors: number;
  /** Sweep again the rows of a finished sweep with these outcomes, error codes or statuses (--redo). */
  redo: string[];
  method: 'HEAD' | 'GET';
  timeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  retries: number;
  maxRedirects: number;
  /** A GET's body is cut past this many bytes (--max-body), on the wire or decoded. */
  maxBody: number;
  /** With GET: keep every response (request and response records) in WARC files beside the database (--store-bodies). */
  storeBodies: boolean;
  /** A WARC file is closed, and the next begun, at this many bytes (--warc-size). */
  warcSize: number;
  insecure: boolean;
  /** Refuse addresses that are not public unicast (loopback, private, link-local, …): --block-private. */
  blockPrivate: boolean;
  /** A proxy URL for every request (--proxy), `none` for no proxy, or null: the environment's (HTTPS_PROXY, …). */
  proxy: string | null;
  /** Hosts reached without the proxy, NO_PROXY-style (--noproxy); null: the environment's NO_PROXY. */
  noProxy: string | null;
  caPem: string | null;
  headers: Record<string, string>;
  userAgent: string;
  resolvers: string[];
  portMap: Record<number, number>;
}

/** Chosen by measurement: see BENCHMARKS.md, "Dead hosts". */
export const DEFAULT_HOST_ERRORS = 8;

export const DEFAULT_USER_AGENT = `urlsweep/${VERSION} (URL checker; +https://www.npmjs.com/package/urlsweep)`;

export function defaultOptions(): Omit<SweepOptions, 'inputs'> {
  return {
    db: 'urlsweep.db',
    inputFormat: null,
    column: null,
    fresh: false,
    shard: null,
    threads: availableParallelism(),
    concurrency: 512,
    perHost: 8,
    spreadHosts: false,
    hostRate: null,
    rate: null,
    hostErrors: DEFAULT_HOST_ERRORS,
    redo: [],
    method: 'HEAD',
    timeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    headersTimeoutMs: 15_000,
    bodyTimeoutMs: 15_000,
    retries: 2,
    maxRedirects: 10,
    maxBody: 10 * 1024 * 1024,
    storeBodies: false,
    warcSize: 1024 ** 3,
    insecure: false,
    blockPrivate: false,
    proxy: null,
    noProxy: null,
    caPem: null,
    headers: {},
    userAgent: DEFAULT_USER_AGENT,
    resolvers: [],
    portMap: {},
  };
}

/** `warc`: where --store-bodies writes (src/store/warcFolder.ts), known once the database is open. */
export function engineConfig(o: SweepOptions, warc: WarcTarget | null = null): EngineConfig {
  return {
    method: o.method,
    concurrency: Math.max(1, Math.ceil(o.concurrency / o.threads)),
    maxConnections: connectionsPerWorker(o.concurrency, o.threads),
    // Spread, each worker holds its share of a host's limit, so that together they never pass it.
    perHost: o.spreadHosts ? Math.floor(o.perHost / o.threads) : o.perHost,
    hostRate: o.hostRate === null ? null : o.spreadHosts ? o.hostRate / o.threads : o.hostRate,
    rate: o.rate,
    hostErrors: o.hostErrors,
    timeoutMs: o.timeoutMs,
    connectTimeoutMs: o.connectTimeoutMs,
    headersTimeoutMs: o.headersTimeoutMs,
    bodyTimeoutMs: o.bodyTimeoutMs,
    retries: o.retries,
    // Waiting for a host's pause costs no deadline, so the cap does not depend on --timeout.
    retryAfterCapMs: 60_000,
    maxRedirects: o.maxRedirects,
    maxBody: o.maxBody,
    warc,
    insecure: o.insecure,
    blockPrivate: o.blockPrivate,
    proxy: resolveProxy(o.proxy, o.noProxy),
    caPem: o.caPem,
    headers: o.headers,
    userAgent: o.userAgent,
    resolvers: o.resolvers,
    portMap: o.portMap,
  };
}

/** What is kept in `runs.options`: everything but secrets-prone header values, proxy passwords and the CA itself. */
export function recordedOptions(o: SweepOptions): Record<string, unknown> {
  const { caPem, headers, inputs: _inputs, ...rest } = o;
  // The proxies resolved (the environment's included), so that a resume under other ones says so.
  const { proxy: _proxy, noProxy: _noProxy, ...kept } = rest;
  return {
    ...kept,
    // As read, the extension's choice included: a resume must read the input the same way (see runPlan).
    inputFormat: inputFormat(o.inputs, o.inputFormat),
    // As I/N: a database holds one shard's sweep, and a resume must be of the same one (see runPlan).
    shard: o.shard ? shardText(o.shard) : null,
    proxy: recordedProxy(resolveProxy(o.proxy, o.noProxy)),
    ca: caPem ? 'custom' : null,
    headers: Object.keys(headers),
  };
}
