// Which proxy a sweep goes through: --proxy, else the variables curl and most tools read (https_proxy,
// http_proxy, all_proxy, no_proxy, lower case first, then upper case). Resolved once in the coordinator,
// validated with a plain message; the workers get the result in EngineConfig.proxy.
import { UsageError } from '../result/errors.js';

/** The proxies of a sweep: one per scheme of the target (null: direct), and the hosts always reached directly. */
export interface ProxyConfig {
  http: string | null;
  https: string | null;
  /** NO_PROXY's entries, lower case: `*`, names (and their subdomains), `.suffix`, IPs, CIDR ranges, each with an optional `:port`. */
  noProxy: string[];
}

/** What --proxy takes to mean "no proxy, whatever the environment says". */
export const NO_PROXY_AT_ALL = 'none';

type Env = Record<string, string | undefined>;

/**
 * The proxies for a sweep. `proxy`: a URL for every target, `none`, or null to read the environment;
 * `noProxy`: a NO_PROXY-style list, or null to read NO_PROXY.
 */
export function resolveProxy(proxy: string | null, noProxy: string | null, env: Env = process.env): ProxyConfig {
  const bypass = (noProxy ?? variable(env, 'no_proxy')?.value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
  if (proxy !== null) {
    if (proxy === NO_PROXY_AT_ALL) return { http: null, https: null, noProxy: bypass };
    const url = proxyUrl(proxy, '--proxy');
    return { http: url, https: url, noProxy: bypass };
  }
  const all = variable(env, 'all_proxy');
  const https = variable(env, 'https_proxy') ?? all;
  const http = variable(env, 'http_proxy') ?? all;
  return {
    https: https ? proxyUrl(https.value, https.name) : null,
    http: http ? proxyUrl(http.value, http.name) : null,
    noProxy: bypass,
  };
}

/** A variable by its lower-case name, else its upper-case one; empty counts as unset. */
function variable(env: Env, name: string): { name: string; value: string } | null {
  for (const key of [name, name.toUpperCase()]) {
    const value = env[key]?.trim();
    if (value) return { name: key, value };
  }
  return null;
}

/** A proxy URL checked and normalised: `host:port` alone means http://, as curl takes it. */
function proxyUrl(text: string, source: string): string {
  let url: URL;
  try {
    url = new URL(withScheme(text));
  } catch {
    throw new UsageError(`${source}: "${redactProxy(text)}" is not a proxy URL (examples: http://proxy:3128, https://user:secret@proxy:8443)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source}: ${url.protocol.slice(0, -1)} proxies are not supported; an HTTP proxy that takes CONNECT is (http:// or https://)`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new UsageError(`${source}: a proxy URL has no path, query or fragment: "${redactProxy(text)}"`);
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new UsageError(`${source}: the proxy's user name or password holds a % that is not %XX: write % as %25 ("${redactProxy(text)}")`);
  }
  return url.href.replace(/\/$/, '');
}

function withScheme(text: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
}

/** A proxy URL with its password hidden, fit for messages and the database; what cannot be parsed loses all before its last @. */
export function redactProxy(text: string): string {
  try {
    const url = new URL(withScheme(text));
    if (url.password) url.password = '***';
    return url.href.replace(/\/$/, '');
  } catch {
    return text.replace(/^(.*\/\/)?.*@/, '$1***@');
  }
}

/** The proxies of a sweep as `runs.options` keeps them: passwords hidden. */
export function recordedProxy(config: ProxyConfig): ProxyConfig {
  return { http: config.http && redactProxy(config.http), https: config.https && redactProxy(config.https), noProxy: config.noProxy };
}
