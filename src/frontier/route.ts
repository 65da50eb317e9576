// Host → worker: every URL of one host goes to the same worker, so per-host limits and keep-alive
// connections hold for the whole run.

/** FNV-1a (32 bit) of the host name, then a final mix: cheap, stable across runs, well spread. */
export function hostHash(host: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    hash ^= host.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // FNV's low bits depend only on the characters' low bits (`a.com`, `e.com`, `i.com` share a shard
  // modulo 4); murmur3's finaliser spreads every input bit over every output bit.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

export function shardOf(host: string, shards: number): number {
  return hostHash(host) % shards;
}
