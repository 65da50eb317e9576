// Name resolution through c-ares (dns.Resolver), never libuv's 4-thread pool (dns.lookup): a TTL-respecting
// cache, one query in flight per name, and the system only for names c-ares cannot know (localhost, /etc/hosts).
import { promises as dns, type LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export interface Resolved {
  address: string;
  family: 4 | 6;
}

interface Entry {
  expires: number;
  value: Resolved | null;
  error: NodeJS.ErrnoException | null;
}

export interface ResolverOptions {
  /** `IP` or `IP:PORT`; empty: the system's configured servers. */
  servers: string[];
  /** Per-query timeout of c-ares, ms. */
  timeoutMs?: number;
  tries?: number;
  maxEntries?: number;
}

export const MIN_TTL_MS = 1_000;
export const MAX_TTL_MS = 3_600_000;
export const NEGATIVE_TTL_MS = 30_000;
const DEFINITE_ERRORS = new Set(['ENOTFOUND', 'ENODATA']);
/**
 * Queries in flight per resolver. At -c 10000 over 10k new names, an unbounded burst of 5,000 queries
 * per worker lost answers (UDP buffers overflow) and 1.3% of URLs failed with DNS timeouts; a few hundred
 * in flight already resolve 10-30k names/s (BENCHMARKS.md), so waiting in this queue costs milliseconds.
 */
export const MAX_QUERIES_IN_FLIGHT = 256;

export class HostResolver {
  private readonly resolver: dns.Resolver;
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  private readonly maxEntries: number;
  private readonly systemNames: Set<string>;
  private asking = 0;
  private readonly waitingToAsk: (() => void)[] = [];

  constructor(options: ResolverOptions) {
    this.resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
    if (options.servers.length > 0) this.resolver.setServers(options.servers.map(serverAddress));
    this.maxEntries = options.maxEntries ?? 100_000;
    this.systemNames = hostsFileNames();
  }

  /** A fresh cached answer, without waiting; undefined when the name must be (re)queried. */
  cached(host: string): Entry | undefined {
    const entry = this.cache.get(host);
    return entry && entry.expires > Date.now() ? entry : undefined;
  }

  /** The answer without waiting, when there is one: an IP literal or a fresh cache entry. */
  known(host: string): Resolved | null {
    const family = isIP(host);
    if (family) return { address: host, family: family as 4 | 6 };
    const entry = this.cached(host);
    return entry?.value ?? null;
  }

  /** Resolves a name to one address, or throws the resolver's error (its `code`: ENOTFOUND, ETIMEOUT, …). */
  async resolve(host: string): Promise<Resolved> {
    const family = isIP(host);
    if (family) return { address: host, family: family as 4 | 6 };
    const entry = this.cached(host) ?? (await this.query(host));
    if (entry.error) throw entry.error;
    return entry.value!;
  }

  /** `lookup` for net.connect / tls.connect: answers from the cache the request path just filled. */
  readonly lookup = (
    hostname: string,
    options: { all?: boolean },
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    this.resolve(hostname).then(
      (r) => (options.all ? callback(null, [{ address: r.address, family: r.family }]) : callback(null, r.address, r.family)),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  private query(host: string): Promise<Entry> {
    let promise = this.pending.get(host);
    if (!promise) {
      promise = this.ask(host).finally(() => this.pending.delete(host));
      this.pending.set(host, promise);
    }
    return promise;
  }

  private async ask(host: string): Promise<Entry> {
    let entry: Entry;
    try {
      const value = this.usesSystem(host) ? await systemLookup(host) : await this.askServers(host);
      entry = { expires: Date.now() + value.ttlMs, value: value.resolved, error: null };
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      // Only a definite "no such name" is remembered; a timeout or server failure may pass on retry.
      if (!DEFINITE_ERRORS.has(error.code ?? '')) throw error;
      entry = { expires: Date.now() + NEGATIVE_TTL_MS, value: null, error };
    }
    // Re-inserted at the end, so the oldest answer is evicted first (and never another host for this one).
    this.cache.delete(host);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(host, entry);
    return entry;
  }

  private async askServers(host: string): Promise<{ resolved: Resolved; ttlMs: number }> {
    // A finished query hands its slot straight to the first waiter, so no newcomer can slip in between.
    if (this.asking < MAX_QUERIES_IN_FLIGHT) this.asking++;
    else await new Promise<void>((go) => this.waitingToAsk.push(go));
    try {
      return await this.askEachFamily(host);
    } finally {
      const next = this.waitingToAsk.shift();
      if (next) next();
      else this.asking--;
    }
  }

  private async askEachFamily(host: string): Promise<{ resolved: Resolved; ttlMs: number }> {
    try {
      const [first] = await this.resolver.resolve4(host, { ttl: true });
      return { resolved: { address: first!.address, family: 4 }, ttlMs: clampTtl(first!.ttl) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENODATA') throw err;
    }
    const [first] = await this.resolver.resolve6(host, { ttl: true });
    return { resolved: { address: first!.address, family: 6 }, ttlMs: clampTtl(first!.ttl) };
  }

  private usesSystem(host: string): boolean {
    return host === 'localhost' || host.endsWith('.localhost') || this.systemNames.has(host);
  }
}

async function systemLookup(host: string): Promise<{ resolved: Resolved; ttlMs: number }> {
  const r = await dns.lookup(host);
  return { resolved: { address: r.address, family: r.family as 4 | 6 }, ttlMs: MAX_TTL_MS };
}

function clampTtl(seconds: number): number {
  return Math.min(MAX_TTL_MS, Math.max(MIN_TTL_MS, seconds * 1000));
}

/** `127.0.0.1:5353` and `[::1]:53` as c-ares wants them; a bare IP keeps port 53. */
function serverAddress(server: string): string {
  if (isIP(server)) return isIP(server) === 6 ? `[${server}]` : server;
  return server;
}

/** Names in /etc/hosts: c-ares' queries do not read that file, the system does. */
function hostsFileNames(): Set<string> {
  const names = new Set<string>();
  try {
    for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const fields = line.replace(/#.*/, '').trim().split(/\s+/);
      for (const name of fields.slice(1)) names.add(name.toLowerCase());
    }
  } catch {
    // No hosts file: every name goes to the DNS servers.
  }
  return names;
}
