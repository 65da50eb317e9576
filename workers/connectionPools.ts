// The connections of one worker thread: an undici Pool per origin, capped at the per-host limit, names
// resolved through our c-ares resolver, TLS trust as the user chose, an optional port map — and a bound
// on idle origins. undici's Agent keeps every origin's idle connections until their keep-alive ends
// (4-10 s): sweeping thousands of one-URL hosts per second, that piled up 8,000 open sockets and 780 MB
// at -c 512, on the way to EMFILE. Here the least recently used idle origins are closed beyond a budget,
// and an origin holding spare connections is retired when the worker's open connections pass its share
// of the descriptors (at -c 10000 over 10k hosts, busy origins kept 2-3 connections each: 20,000+).
import { createSecureContext, rootCertificates } from 'node:tls';
import { buildConnector, Client, Pool } from 'undici';
import type { EngineConfig } from '../src/messages.js';
import { idleOriginBudget } from '../src/options/openFiles.js';
import type { HostResolver } from './resolver.js';
import { refusingLookup } from './addressPolicy.js';
import { portOf, ProxyRoute } from './proxyRoute.js';
import { tunnelConnector } from './proxyTunnel.js';
import { acceptInterimContinue } from './interimContinue.js';

/** One origin's pool (or one connection of its own: `leaseFresh`); a request holds it from `lease` to `release`. */
export interface Origin {
  readonly key: string;
  readonly pool: Pool | Client;
  active: number;
  connected: number;
  readonly fresh?: boolean;
}

/**
 * Response headers accepted, in bytes. Node's default (16 KiB) refuses real sites' cookie floods (~38 KB
 * seen); browsers take 256 KB (Chrome) or more. 128 KiB holds three such floods, and bounds what headers
 * can cost: 128 KiB per response being parsed, 64 MB at -c 512 if every one were a flood at once.
 */
export const MAX_HEADER_BYTES = 128 * 1024;

export class ConnectionPools {
  private readonly origins = new Map<string, Origin>();
  /** Origins with nothing in flight, least recently used first (a Set keeps insertion order). */
  private readonly idle = new Set<string>();
  /** One-shot connections (leaseFresh) not yet released. */
  private readonly fresh = new Set<Origin>();
  private readonly options: Pool.Options;
  private readonly maxIdle: number;
  /** Connections open in this worker, and how many it may hold (see connectionsPerWorker). */
  private open = 0;
  private readonly maxOpen: number;
  /** Which requests go through a proxy (which then resolves their names). */
  readonly proxy: ProxyRoute;

  constructor(config: EngineConfig, resolver: HostResolver) {
    this.proxy = new ProxyRoute(config.proxy);
    this.options = {
      connect: connector(config, resolver, this.proxy),
      connections: config.perHost,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: config.headersTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
      maxHeaderSize: MAX_HEADER_BYTES,
    };
    this.maxOpen = config.maxConnections;
    // Idle origins may use what the requests in flight leave of the connection budget, up to twice their
    // own budget: hosts that come back soon find their connection (a third fewer connects at -c 10000
    // over 10k hosts), while one-URL hosts' idle connections (50-100 KB each) stay few.
    const idle = idleOriginBudget(config.concurrency);
    this.maxIdle = Math.max(idle, Math.min(config.maxConnections - config.concurrency, 2 * idle));
  }

  /** The pool to send a request to `key` (an origin) through; `release` it once the request has settled. */
  lease(key: string): Origin {
    let origin = this.origins.get(key);
    if (!origin) {
      const created: Origin = { key, pool: new Pool(key, this.options), active: 0, connected: 0 };
      created.pool.on('connect', () => {
        created.connected++;
        this.open++;
      });
      created.pool.on('disconnect', () => {
        created.connected--;
        this.open--;
      });
      origin = created;
      this.origins.set(key, origin);
    }
    origin.active++;
    this.idle.delete(key);
    return origin;
  }

  /** A connection of its own for one request, ended once the request has settled (`release`). */
  leaseFresh(key: string): Origin {
    const { connections: _perHost, ...options } = this.options;
    const origin: Origin = { key, pool: new Client(key, options), active: 1, connected: 0, fresh: true };
    this.fresh.add(origin);
    return origin;
  }

  release(origin: Origin): void {
    if (origin.fresh) {
      // Settled: answered, failed, or out of time before it connected (then the attempt stops here too).
      this.fresh.delete(origin);
      return void origin.pool.destroy();
    }
    origin.active--;
    // A retired pool is closing by itself; nothing more to account for.
    if (this.origins.get(origin.key) !== origin) return;
    const key = origin.key;
    if (origin.active > 0) {
      // Over budget and this origin has connections to spare: let it finish what is in flight and close;
      // its next URL opens a fresh pool.
      if (this.open > this.maxOpen && origin.connected > origin.active) this.retire(key, origin);
      return;
    }
    this.idle.add(key);
    if (this.idle.size > this.maxIdle || this.open > this.maxOpen) {
      const oldest = this.idle.values().next().value!;
      this.retire(oldest, this.origins.get(oldest)!);
    }
  }

  /** close() waits for the requests in flight, then ends the connections politely. */
  private retire(key: string, origin: Origin): void {
    this.origins.delete(key);
    this.idle.delete(key);
    void origin.pool.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.fresh].map((o) => o.pool.destroy()));
    await Promise.all([...this.origins.values()].map((o) => o.pool.close()));
    this.origins.clear();
    this.idle.clear();
  }
}

function connector(config: EngineConfig, resolver: HostResolver, proxy: ProxyRoute): buildConnector.connector {
  const tls = {
    rejectUnauthorized: !config.insecure,
    // One TLS context for every connection: built per connection, it re-parses every root certificate.
    ...({ secureContext: createSecureContext(config.caPem ? { ca: [...rootCertificates, config.caPem] } : {}) } as object),
  };
  const direct = buildConnector({
    timeout: config.connectTimeoutMs,
    ...tls,
    // Passed through to net.connect / tls.connect.
    ...({ lookup: config.blockPrivate ? refusingLookup(resolver.lookup) : resolver.lookup } as object),
  });
  let connect = direct;
  if (!proxy.none) {
    // The proxy's own address is the user's choice: --block-private does not apply to it.
    const toProxy = buildConnector({ timeout: config.connectTimeoutMs, ...tls, ...({ lookup: resolver.lookup } as object) });
    const tunnels = new Map<URL, buildConnector.connector>();
    const tunnelOptions = { toProxy, toTarget: direct, userAgent: config.userAgent, timeoutMs: config.connectTimeoutMs };
    connect = (options, callback) => {
      const via = proxy.proxyFor(options.protocol, options.hostname, portOf(options));
      if (!via) return direct(options, callback);
      let tunnel = tunnels.get(via);
      if (!tunnel) tunnels.set(via, (tunnel = tunnelConnector(via, tunnelOptions)));
      tunnel(options, callback);
    };
  }
  const connected = connect;
  const withPorts: buildConnector.connector = (options, callback) =>
    connected(options, (err, socket) => {
      if (socket) acceptInterimContinue(socket);
      callback(err, socket as never);
    });
  if (Object.keys(config.portMap).length === 0) return withPorts;
  return (options, callback) => {
    const port = portOf(options);
    withPorts({ ...options, port: String(config.portMap[port] ?? port) }, callback);
  };
}
