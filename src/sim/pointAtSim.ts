// Sweep options aimed at the simulated internet instead of the real one: its DNS server, its ports for 80
// and 443, its CA trusted beside the usual ones, and no proxy from the environment (the simulated names
// exist only on loopback). The CLI's --sim and demo, the tests and the benchmarks all aim this way.
import type { SweepOptions } from '../options/sweepOptions.js';
import { NO_PROXY_AT_ALL } from '../options/proxySettings.js';

/** What of a running simulated internet a sweep needs. */
export interface SimAddress {
  resolver: string;
  portMap: Record<number, number>;
  caPem: string;
}

export function pointAtSim<T extends Partial<SweepOptions>>(options: T, sim: SimAddress): T {
  return {
    ...options,
    resolvers: [sim.resolver],
    portMap: sim.portMap,
    caPem: (options.caPem ?? '') + sim.caPem,
    proxy: options.proxy ?? NO_PROXY_AT_ALL,
  };
}
