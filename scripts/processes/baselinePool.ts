// The baselines: what a user writes instead of urlsweep. A promise pool of `concurrency` workers taking
// URLs from a list, with undici's `request` or with `fetch`; failures are counted, nothing is recorded.
// Names resolve through the given DNS server (c-ares, as urlsweep does), timeouts match urlsweep's.
// Prints one JSON line. Usage: node dist/scripts/processes/baselinePool.js <options as JSON>
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { peakRssMb } from '../lib/stats.js';

export interface BaselineOptions {
  client: 'undici' | 'fetch';
  list: string;
  concurrency: number;
  /** Connections per origin; null: as many as the pool asks for. */
  connections: number | null;
  resolver: string | null;
  caFile: string | null;
  timeoutMs: number;
  connectTimeoutMs: number;
}

export interface BaselineMeasure {
  urls: number;
  elapsedMs: number;
  rate: number;
  ok: number;
  failed: number;
  peakRssMb: number;
}

const o = JSON.parse(process.argv[2]!) as BaselineOptions;

function resolverLookup(server: string): LookupFunction {
  const resolver = new Resolver();
  resolver.setServers([server]);
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    resolver.resolve4(hostname, (err, addresses) => {
      if (err) return callback(err);
      if (options.all) return callback(null, addresses.map((address) => ({ address, family: 4 })));
      callback(null, addresses[0], 4);
    });
  }) as LookupFunction;
}

const agent = new Agent({
  connections: o.connections,
  headersTimeout: o.timeoutMs,
  bodyTimeout: o.timeoutMs,
  connect: {
    timeout: o.connectTimeoutMs,
    ...(o.resolver ? { lookup: resolverLookup(o.resolver) } : {}),
    ...(o.caFile ? { ca: readFileSync(o.caFile, 'utf8') } : {}),
  },
});

const check =
  o.client === 'undici'
    ? async (url: string): Promise<void> => {
        const res = await request(url, { method: 'HEAD', dispatcher: agent, reset: false, signal: AbortSignal.timeout(o.timeoutMs) });
        await res.body.dump();
      }
    : async (url: string): Promise<void> => {
        // Node's own fetch; the dispatcher carries the resolver and the CA, as it must for these names.
        const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(o.timeoutMs), dispatcher: agent } as RequestInit);
        await res.arrayBuffer();
      };

const urls = readFileSync(o.list, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));
let next = 0;
let ok = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: o.concurrency }, async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      try {
        await check(url);
        ok++;
      } catch {
        failed++;
      }
    }
  }),
);
const elapsedMs = performance.now() - started;
const measure: BaselineMeasure = { urls: urls.length, elapsedMs, rate: (urls.length * 1000) / elapsedMs, ok, failed, peakRssMb: peakRssMb() };
process.stdout.write(JSON.stringify(measure) + '\n');
await agent.destroy();
process.exit(0);
