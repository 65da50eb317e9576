// The connections of one worker thread: an undici Pool per origin, capped at the per-host limit, names
// resolved through our c-ares resolver, TLS trust as the user chose, an optional port map — and a bound
// on idle origins. undici's Agent keeps every origin's idle connections until their keep-alive ends
// (4-10 s): sweeping thousands of one-URL hosts per second, that piled up 8,000 open sockets and 780 MB
// at -c 512, on the way to EMFILE. Here the least recently used idle origins are closed beyond a budget.
import { createSecureContext, rootCertificates } from 'node:tls';
import { buildConnector, Pool, type Dispatcher } from 'undici';
import type { EngineConfig } from '../src/messages.js';
import { idleOriginBudget } from '../src/openFiles.js';
import type { HostResolver } from './resolver.js';

interface Origin {
  pool: Pool;
  active: number;
}

export class ConnectionPools {
  private readonly origins = new Map<string, Origin>();
  /** Origins with nothing in flight, least recently used first (a Set keeps insertion order). */
  private readonly idle = new Set<string>();
  private readonly options: Pool.Options;
  private readonly maxIdle: number;

  constructor(config: EngineConfig, resolver: HostResolver) {
    this.options = {
      connect: connector(config, resolver),
      connections: config.perHost,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout: config.headersTimeoutMs,
      bodyTimeout: config.bodyTimeoutMs,
    };
    this.maxIdle = idleOriginBudget(config.concurrency);
  }

  /** Sends a request; `release(origin)` must follow once it has settled. */
  dispatch(options: Dispatcher.DispatchOptions & { origin: string }, handler: Dispatcher.DispatchHandler): void {
    let origin = this.origins.get(options.origin);
    if (!origin) {
      origin = { pool: new Pool(options.origin, this.options), active: 0 };
      this.origins.set(options.origin, origin);
    }
    origin.active++;
    this.idle.delete(options.origin);
    origin.pool.dispatch(options, handler);
  }

  release(key: string): void {
    const origin = this.origins.get(key);
    if (!origin || --origin.active > 0) return;
    this.idle.add(key);
    if (this.idle.size <= this.maxIdle) return;
    const oldest = this.idle.values().next().value!;
    this.idle.delete(oldest);
    const evicted = this.origins.get(oldest)!;
    this.origins.delete(oldest);
    // Nothing in flight: close() ends its connections at once, politely.
    void evicted.pool.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.origins.values()].map((o) => o.pool.close()));
    this.origins.clear();
    this.idle.clear();
  }
}

function connector(config: EngineConfig, resolver: HostResolver): buildConnector.connector {
  const connect = buildConnector({
    timeout: config.connectTimeoutMs,
    rejectUnauthorized: !config.insecure,
    // One TLS context for every connection: built per connection, it re-parses every root certificate.
    ...({ secureContext: createSecureContext(config.caPem ? { ca: [...rootCertificates, config.caPem] } : {}) } as object),
    // Passed through to net.connect / tls.connect.
    ...({ lookup: resolver.lookup } as object),
  });
  if (Object.keys(config.portMap).length === 0) return connect;
  return (options, callback) => {
    const port = Number(options.port || (options.protocol === 'https:' ? 443 : 80));
    connect({ ...options, port: String(config.portMap[port] ?? port) }, callback);
  };
}
