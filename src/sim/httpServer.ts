// The sim's web servers: one request handler behind an HTTP and an HTTPS server.
// The behaviour of each request is picked from the Host header (see behaviours.ts).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { behaviourOf, isSimName, type Behaviour } from './behaviours.js';
import type { SimCerts } from './certs.js';

export interface WebServers {
  httpPort: number;
  httpsPort: number;
  requests(): Record<string, number>; // keyed by `${method} ${behaviour}`
  peakConcurrency(): Record<string, number>; // most requests in flight at once, per host name
  peakConnections(): number; // most connections open at once, both servers together
  arrivals(host: string): Arrival[]; // the latest requests to one host name, oldest first
  answers(): Record<string, number>; // keyed by `${behaviour} ${status}`
  close(): Promise<void>;
}

/** One request as the server saw it: when (ms on this process's monotonic clock), its path, what it answered. */
export interface Arrival {
  at: number;
  path: string;
  status: number;
}

const OK_BODY = 'ok\n';
const BIG_BODY = Buffer.alloc(100_000, 'big body\n');
const CHUNK = Buffer.alloc(1000, 'chunked\n');
const SLOW_MS = 1500;
const JITTER_MS = 3000;
const CONTEXT_CACHE = 5000; // SNI contexts kept; more hosts than this just get re-minted
const THROTTLE_RATE = 5; // requests per second a throttle host allows, and the burst its bucket holds
const ARRIVALS_KEPT = 10_000; // per host: enough for any test, bounded for long benchmark runs

type Req = http.IncomingMessage;
type Res = http.ServerResponse;

function send(res: Res, status: number, body: string | Buffer = `${status} ${http.STATUS_CODES[status] ?? ''}\n`, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const ok = (res: Res) => send(res, 200, OK_BODY);
const redirect = (res: Res, status: number, location: string) => send(res, status, `-> ${location}\n`, { location });

function peerKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

function createHandler(rawSockets: Map<string, Socket>) {
  const counts = new Map<string, number>();
  const statuses = new Map<string, number>();
  const active = new Map<string, number>(); // requests in flight per host, to check clients' per-host limits
  const peaks = new Map<string, number>();
  const seen = new Map<string, number>(); // requests per host+path, for flaky and ratelimit
  const buckets = new Map<string, { tokens: number; at: number }>(); // per throttle host
  const arrivals = new Map<string, Arrival[]>();

  /** Takes a token from a throttle host's bucket, refilled at THROTTLE_RATE per second. */
  function allowed(host: string): boolean {
    const now = performance.now();
    const bucket = buckets.get(host) ?? { tokens: THROTTLE_RATE, at: now };
    bucket.tokens = Math.min(THROTTLE_RATE, bucket.tokens + ((now - bucket.at) * THROTTLE_RATE) / 1000);
    bucket.at = now;
    buckets.set(host, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }

  // Why: a TLS socket's handle is not TCP, so the RST must go through the raw socket below it.
  function reset(socket: Socket): void {
    const raw = socket instanceof tls.TLSSocket ? rawSockets.get(peerKey(socket)) : socket;
    if (raw && typeof raw.resetAndDestroy === 'function') raw.resetAndDestroy();
    else socket.destroy();
  }

  function later(res: Res, ms: number, then: () => void): void {
    const timer = setTimeout(then, ms);
    res.on('close', () => clearTimeout(timer)); // client gone or server closing: no stray timers
  }

  function handle(req: Req, res: Res): void {
    const hostHeader = req.headers.host ?? '';
    const portMatch = /:(\d+)$/.exec(hostHeader);
    const hostname = portMatch ? hostHeader.slice(0, portMatch.index) : hostHeader;
    const behaviour: Behaviour = behaviourOf(hostname);
    const method = req.method ?? 'GET';
    const key = `${method} ${behaviour}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const name = hostname.toLowerCase();
    const now = (active.get(name) ?? 0) + 1;
    active.set(name, now);
    if (now > (peaks.get(name) ?? 0)) peaks.set(name, now);
    const arrival: Arrival = { at: performance.now(), path: req.url ?? '/', status: 0 };
    let log = arrivals.get(name);
    if (!log) arrivals.set(name, (log = []));
    log.push(arrival);
    if (log.length > ARRIVALS_KEPT) log.splice(0, log.length - ARRIVALS_KEPT);
    res.on('finish', () => {
      arrival.status = res.statusCode;
      const answer = `${behaviour} ${res.statusCode}`;
      statuses.set(answer, (statuses.get(answer) ?? 0) + 1);
    });
    res.on('close', () => {
      const left = (active.get(name) ?? 1) - 1;
      if (left === 0) active.delete(name);
      else active.set(name, left);
    });

    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const scheme = req.socket instanceof tls.TLSSocket ? 'https' : 'http';
    // Mirror the Host header: no port there (a client mapping default ports to the sim) means none here.
    const port = portMatch ? `:${portMatch[1]}` : '';
    const absolute = (host: string, target: string) => `${scheme}://${host}${port}${target}`;
    const visits = () => {
      const id = `${hostname.toLowerCase()} ${req.url}`;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      return n;
    };
    const isHead = method === 'HEAD';

    switch (behaviour) {
      case 'big':
        return send(res, 200, BIG_BODY);
      case 'chunked': {
        res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: chunked
        for (let i = 0; i < 5; i++) res.write(CHUNK);
        res.end();
        return;
      }
      case 'nohead':
        return isHead ? send(res, 405, undefined, { allow: 'GET' }) : ok(res);
      case 'notimpl':
        return isHead ? send(res, 501) : ok(res);
      case 'redirect':
        // 3 hops, mixing relative and absolute Location headers.
        if (path === '/hop/2') return redirect(res, 302, absolute(hostname, '/hop/1'));
        if (path === '/hop/1') return redirect(res, 302, '/final');
        if (path === '/final') return ok(res);
        return redirect(res, 301, '/hop/2');
      case 'crosshost':
        return redirect(res, 302, absolute(`${url.searchParams.get('to') ?? 'fine'}-from-crosshost.test`, url.pathname + url.search));
      case 'loop':
        return redirect(res, 302, path === '/a' ? '/' : '/a');
      case 'notfound':
        return send(res, 404);
      case 'error':
        return send(res, 500);
      case 'unavailable':
        return send(res, 503);
      case 'badgateway':
        return send(res, 502);
      case 'flaky':
        return visits() <= 2 ? send(res, 503) : ok(res);
      case 'ratelimit':
        return visits() === 1 ? send(res, 429, undefined, { 'retry-after': url.searchParams.get('retry') ?? '1' }) : ok(res);
      case 'slow':
        return later(res, delayOf(url, SLOW_MS), () => ok(res));
      case 'throttle':
        // The bucket decides on arrival, as a real rate limiter in front of the site would.
        if (!allowed(name)) return later(res, delayOf(url, 0), () => send(res, 429, undefined, { 'retry-after': '1' }));
        return later(res, delayOf(url, 0), () => ok(res));
      case 'jitter':
        return later(res, Math.random() * JITTER_MS, () => ok(res));
      case 'hang':
        return; // the socket is destroyed when the server closes
      case 'stall':
      case 'reset': {
        // Body behaviours: a HEAD response has no body, so it just completes.
        const length = behaviour === 'stall' ? 1000 : 100_000;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': length });
        if (isHead) return void res.end();
        if (behaviour === 'stall') return void res.write(Buffer.alloc(10, 's'));
        const socket = req.socket;
        res.write(Buffer.alloc(1000, 'r'), () => reset(socket));
        return;
      }
      case 'malformed':
        // Bypasses the response object: the client gets bytes that are not HTTP.
        req.socket.end('garbage, not HTTP\r\n\r\n');
        return;
      default:
        return ok(res);
    }
  }

  return {
    handle,
    requests: () => Object.fromEntries(counts),
    peakConcurrency: () => Object.fromEntries(peaks),
    arrivals: (host: string) => [...(arrivals.get(host.toLowerCase()) ?? [])],
    answers: () => Object.fromEntries(statuses),
  };
}

/** `?delay=<ms>` when given and valid, else the behaviour's own. */
function delayOf(url: URL, fallback: number): number {
  const delay = Number.parseInt(url.searchParams.get('delay') ?? '', 10);
  return Number.isFinite(delay) && delay >= 0 ? delay : fallback;
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  // Why these settings: clients are benchmarked on connection reuse, so keep-alive
  // stays on with no per-socket request cap, and a deep accept backlog for bursts.
  server.keepAliveTimeout = 5000;
  server.maxRequestsPerSocket = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startWebServers(
  certs: SimCerts,
  options: { host?: string; httpPort?: number; httpsPort?: number } = {},
): Promise<WebServers> {
  const host = options.host ?? '127.0.0.1';
  const rawSockets = new Map<string, Socket>();
  const { handle, requests, peakConcurrency, arrivals, answers } = createHandler(rawSockets);

  const defaultContext = tls.createSecureContext(certs.testLeaf);
  const wrongContext = tls.createSecureContext(certs.wrongLeaf);
  const contexts = new Map<string, tls.SecureContext>();
  function contextFor(servername: string): tls.SecureContext | null {
    const name = servername.toLowerCase();
    if (!isSimName(name) || !/^[a-z0-9.-]+$/.test(name)) return defaultContext;
    if (behaviourOf(name) === 'wrongname') return wrongContext;
    if (behaviourOf(name) === 'plainonly') return null;
    // Why a wildcard below the second level: minting and loading a context costs ~1 ms of this thread per
    // name, and the demo's tens of thousands of hosts (x.demo.test) then share one.
    const labels = name.split('.');
    const certName = labels.length > 2 ? `*.${labels.slice(1).join('.')}` : name;
    let context = contexts.get(certName);
    if (!context) {
      context = tls.createSecureContext({ key: certs.testLeaf.key, cert: certs.mint(certName) });
      if (contexts.size >= CONTEXT_CACHE) contexts.delete(contexts.keys().next().value!);
      contexts.set(certName, context);
    }
    return context;
  }

  const httpServer = http.createServer(handle);
  const httpsServer = https.createServer(
    {
      ...certs.testLeaf,
      SNICallback: (servername, cb) => {
        const context = contextFor(servername);
        if (context) cb(null, context);
        else cb(new Error('no HTTPS for this host'), null as unknown as tls.SecureContext);
      },
    },
    handle,
  );
  // Open connections, to check that clients do not hoard idle ones.
  let open = 0;
  let peakOpen = 0;
  for (const server of [httpServer, httpsServer]) {
    server.on('connection', (socket: Socket) => {
      peakOpen = Math.max(peakOpen, ++open);
      socket.on('close', () => open--);
    });
  }
  httpsServer.on('connection', (raw: Socket) => {
    const key = peerKey(raw);
    rawSockets.set(key, raw);
    raw.on('close', () => rawSockets.delete(key));
  });

  const [httpPort, httpsPort] = await Promise.all([
    listen(httpServer, host, options.httpPort ?? 0),
    listen(httpsServer, host, options.httpsPort ?? 0),
  ]).catch(async (err) => {
    await Promise.all([closeServer(httpServer), closeServer(httpsServer)]);
    throw err;
  });

  return {
    httpPort,
    httpsPort,
    requests,
    peakConcurrency,
    peakConnections: () => peakOpen,
    arrivals,
    answers,
    close: async () => {
      await Promise.all([closeServer(httpServer), closeServer(httpsServer)]);
    },
  };
}
