// Whether a request goes through the sweep's proxy, by its scheme and NO_PROXY. NO_PROXY is read as Go's
// net/http reads it: `*` is every host; `example.com` is that name and its subdomains; `.example.com` and
// `*.example.com` only the subdomains (curl takes example.com itself too); an IP, or a CIDR range,
// matches addresses written in the URL; any entry may end in `:port`.
import ipaddr from 'ipaddr.js';
import type { ProxyConfig } from '../src/options/proxySettings.js';

interface Bypass {
  /** A name or suffix (lower case, without a leading `*`), or a parsed range. */
  name: string | null;
  suffixOnly: boolean;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number] | null;
  port: number | null;
}

/** The port a URL or a connection goes to: its own, else its scheme's. */
export function portOf(target: { protocol: string; port?: string | number | null }): number {
  return Number(target.port || (target.protocol === 'https:' ? 443 : 80));
}

export class ProxyRoute {
  private readonly http: URL | null;
  private readonly https: URL | null;
  private readonly all: boolean;
  private readonly bypass: Bypass[];

  constructor(config: ProxyConfig) {
    this.http = config.http ? new URL(config.http) : null;
    this.https = config.https ? new URL(config.https) : null;
    this.all = config.noProxy.includes('*');
    this.bypass = config.noProxy.filter((e) => e !== '*').map(parseBypass);
  }

  /** True when no request of the sweep can go through a proxy. */
  get none(): boolean {
    return this.all || (!this.http && !this.https);
  }

  /** Whether a URL's requests go through a proxy. */
  proxies(url: URL): boolean {
    return !this.none && this.proxyFor(url.protocol, url.hostname, portOf(url)) !== null;
  }

  /** The proxy for a target (`hostname` as URLs write it: IPv6 in brackets), or null to connect directly. */
  proxyFor(protocol: string, hostname: string, port: number): URL | null {
    const proxy = protocol === 'https:' ? this.https : this.http;
    if (!proxy || this.all) return null;
    const host = hostname.startsWith('[') ? hostname.slice(1, -1).toLowerCase() : hostname.toLowerCase().replace(/\.$/, '');
    const address = ipaddr.isValid(host) ? ipaddr.parse(host) : null;
    return this.bypass.some((b) => bypasses(b, host, address, port)) ? null : proxy;
  }
}

function parseBypass(entry: string): Bypass {
  // `[::1]:8080`, `10.0.0.0/8`, `host:80`; a bare IPv6 address has colons of its own.
  let text = entry;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    text = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : null;
  } else if (/^[^:]+:\d+$/.test(text)) {
    const at = text.lastIndexOf(':');
    port = Number(text.slice(at + 1));
    text = text.slice(0, at);
  }
  if (text.includes('/')) {
    try {
      return { name: null, suffixOnly: false, range: ipaddr.parseCIDR(text), port };
    } catch {
      // Not a range: never matches a host name, as in Go.
      return { name: null, suffixOnly: false, range: null, port };
    }
  }
  if (ipaddr.isValid(text)) return { name: null, suffixOnly: false, range: [ipaddr.parse(text), text.includes(':') ? 128 : 32], port };
  const suffixOnly = text.startsWith('.') || text.startsWith('*.');
  return { name: text.replace(/^\*?\.?/, '').replace(/\.$/, ''), suffixOnly, range: null, port };
}

function bypasses(b: Bypass, host: string, address: ipaddr.IPv4 | ipaddr.IPv6 | null, port: number): boolean {
  if (b.port !== null && b.port !== port) return false;
  if (b.range) return address !== null && address.kind() === b.range[0].kind() && address.match(b.range);
  if (b.name === null) return false;
  if (host.endsWith(`.${b.name}`)) return true;
  return !b.suffixOnly && host === b.name;
}
