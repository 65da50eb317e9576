// Everything that crosses a thread boundary, in one place: the coordinator and the workers share these.

/** One URL for a worker to check. */
export interface Job {
  /** Physical line number in the input (1-based, counted across files). */
  line: number;
  /** The line as the user wrote it (trimmed); stored as `results.url`. */
  text: string;
  /** The absolute URL to request first. */
  target: string;
  /** Lower-case host name (no brackets for IPv6); routing key and `results.host`. */
  host: string;
  /** A bare host name: try https://host/ first, then http://host/ when HTTPS gets no answer. */
  bare: boolean;
  /** For spreadsheet and JSON lists: the record's other fields, as JSON; stored as `results.source`. */
  source?: string | null;
}

/** One redirect hop, kept in the `redirects` table. */
export interface Hop {
  url: string;
  status: number;
  location: string;
}

/** One row of `results` (column names are the schema's), plus the hops that led to it. */
export interface ResultRow {
  line: number;
  url: string;
  host: string | null;
  outcome: Outcome;
  status: number | null;
  error_code: string | null;
  error_message: string | null;
  final_url: string | null;
  redirects: number;
  method: string | null;
  attempts: number;
  remote_ip: string | null;
  content_type: string | null;
  content_length: number | null;
  elapsed_ms: number | null;
  checked_at: number;
  /** Answers of 429 or 503 (the host pushing back) this URL drew on its way. */
  throttled: number;
  hops: Hop[] | null;
  /** The record's other fields, as JSON (spreadsheet and JSON lists); null for text lists. */
  source?: string | null;
  /** A GET's body as delivered (content coding removed): its SHA-256 (hex) and HTML title. */
  body_sha256?: string | null;
  title?: string | null;
  /** The final answer's headers as JSON (capped). */
  headers?: string | null;
  /** 1 when the body went past --max-body and was cut. */
  truncated?: number;
  /** --store-bodies: the response record's gzip member (file relative to the database's folder). */
  warc_file?: string | null;
  warc_offset?: number | null;
  warc_length?: number | null;
}

/** Every outcome a row can have (the README's table). */
export const OUTCOMES = [
  'response',
  'invalid_url',
  'dns_error',
  'connect_refused',
  'connect_timeout',
  'connect_error',
  'tls_error',
  'timeout',
  'protocol_error',
  'too_many_redirects',
  'blocked',
  'proxy_error',
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/** Where a sweep's WARC files go (--store-bodies): `<dir>/<prefix>-NNNNN.warc.gz`. */
export interface WarcTarget {
  /** The folder, absolute. */
  dir: string;
  /** The folder as rows name it (relative to the database's folder). */
  relativeDir: string;
  prefix: string;
  /** The database's id (its `about` table), written in each file's warcinfo: the files it may trim are those. */
  owner: string;
  /** A file is closed once it holds this many bytes (--warc-size). */
  maxBytes: number;
  software: string;
}

/** What a worker needs to know to make requests; the same for every worker of a sweep. */
export interface EngineConfig {
  method: 'HEAD' | 'GET';
  /** Requests in flight in one worker thread. */
  concurrency: number;
  /** Connections kept open in one worker thread, busy and idle (fits the open-file limit). */
  maxConnections: number;
  /** Requests in flight per host in this worker: all of --per-host, or its share with --spread-hosts. */
  perHost: number;
  /** Requests per second per host in this worker (--host-rate, or its share with --spread-hosts); null: no limit. */
  hostRate: number | null;
  /** Requests per second of the whole sweep (--rate), paced through WorkerTask.pace; null: no limit. */
  rate: number | null;
  /** Connection failures in a row, with no answer, after which a host is down (--host-errors); 0: never. */
  hostErrors: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  retries: number;
  /** Longest Retry-After that is honoured (and the longest a host is paused); a longer one ends the retries. */
  retryAfterCapMs: number;
  maxRedirects: number;
  /** --max-body: a GET's body is cut past this many bytes, on the wire or decoded. */
  maxBody: number;
  /** --store-bodies: where this sweep's WARC files go; null: bodies are not kept. */
  warc: WarcTarget | null;
  insecure: boolean;
  /** --block-private: addresses that are not public unicast are refused (outcome `blocked`). */
  blockPrivate: boolean;
  /** The proxies requests go through (src/options/proxySettings.ts). */
  proxy: import('./options/proxySettings.js').ProxyConfig;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  caPem: string | null;
  headers: Record<string, string>;
  userAgent: string;
  /** DNS servers (`IP` or `IP:PORT`); empty means the system's configured servers, queried by c-ares. */
  resolvers: string[];
  /** Connect to these ports instead of the default ones (80, 443); used to sweep the simulated internet. */
  portMap: Record<number, number>;
}

/**
 * Coordinator → worker, over the worker's MessagePort. `end`: no more jobs, finish them all.
 * `stop`: the sweep is interrupted; drop the jobs not started, finish those in flight.
 */
export type ToWorker = { type: 'jobs'; jobs: Job[] } | { type: 'end' } | { type: 'stop' };

/**
 * Worker → coordinator. Results stream back as they complete, in small batches, with what changed in the
 * worker's hosts since the last message. `active`: requests in flight in that worker right now, and
 * `slowed`: its hosts backing off (a smaller window, a learnt rate, or a pause), for the progress display.
 */
export type FromWorker =
  | { type: 'results'; rows: ResultRow[]; active: number; slowed: number; hosts: HostReport[] | null }
  | { type: 'done' }
  /** The worker cannot go on (its WARC files cannot be written): the sweep stops with this. */
  | { type: 'fatal'; message: string };

/** A host whose standing changed in a worker: how many requests it can use now, and whether it is down. */
export interface HostReport {
  host: string;
  /** Requests it can have running now: 0 while paused or down, 1 while paced by a rate, else its window. */
  parallel: number;
  down: HostDown | null;
}

/** Why a host is down: what its connection failures were, and the text its remaining URLs get. */
export interface HostDown {
  outcome: Outcome;
  /** The code of the last failure (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT, ENOTFOUND, …). */
  cause: string;
  message: string;
}

/** The task each Piscina worker runs for the whole sweep. */
export interface WorkerTask {
  port: import('node:worker_threads').MessagePort;
  config: EngineConfig;
  /** The sweep's shared pace for --rate (see workers/pace.ts); null without --rate. */
  pace: SharedArrayBuffer | null;
}
