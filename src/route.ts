// Host → worker: every URL of one host goes to the same worker, so per-host limits and keep-alive
// connections hold for the whole run.

/** FNV-1a (32 bit) of the host name: cheap, stable across runs, well spread. */
export function hostHash(host: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    hash ^= host.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function shardOf(host: string, shards: number): number {
  return hostHash(host) % shards;
}
