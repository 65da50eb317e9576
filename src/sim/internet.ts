// Starts the whole simulated internet on loopback: DNS for .test, HTTP and HTTPS
// servers with per-host behaviours, and the blackhole host.
import { startBlackhole, type Blackhole } from './blackhole.js';
import { makeCerts } from './certs.js';
import { startDnsServer } from './dnsServer.js';
import { startWebServers, type Arrival } from './httpServer.js';

export interface SimInternetOptions {
  httpPort?: number;
  httpsPort?: number;
  dnsPort?: number;
  python?: string; // executable for the blackhole helper (default "python3")
}

export interface SimInternet {
  resolver: string; // "127.0.0.1:<dnsPort>", for the client's --resolver
  httpPort: number;
  httpsPort: number;
  caFile: string; // the sim CA, for --ca
  caPem: string;
  portMap: Record<number, number>; // { 80: httpPort, 443: httpsPort }
  blackholeAvailable: boolean;
  blackholeError?: string; // why it is unavailable
  dnsQueries(): number;
  requests(): Record<string, number>; // keyed by `${method} ${behaviour}`
  peakConcurrency(): Record<string, number>; // most requests in flight at once, per host name
  peakConnections(): number; // most connections open at once
  arrivals(host: string): Arrival[]; // the latest requests to one host name (times, paths, statuses), oldest first
  answers(): Record<string, number>; // responses sent, keyed by `${behaviour} ${status}`
  url(host: string, path?: string, scheme?: 'http' | 'https'): string;
  close(): Promise<void>;
}

export async function startSimInternet(options: SimInternetOptions = {}): Promise<SimInternet> {
  const certs = await makeCerts();
  const started: { close(): Promise<void> }[] = [{ close: certs.remove }];
  let closing: Promise<void> | undefined;
  const closeAll = () => (closing ??= Promise.all(started.map((part) => part.close())).then(() => undefined));
  try {
    const dns = await startDnsServer({ port: options.dnsPort });
    started.push(dns);
    const web = await startWebServers(certs, { httpPort: options.httpPort, httpsPort: options.httpsPort });
    started.push(web);

    let blackhole: Blackhole | undefined;
    let blackholeError: string | undefined;
    try {
      blackhole = await startBlackhole([web.httpPort, web.httpsPort], { python: options.python });
      started.push(blackhole);
    } catch (err) {
      blackholeError = (err as Error).message; // the rest of the sim still works without it
    }

    return {
      resolver: `${dns.host}:${dns.port}`,
      httpPort: web.httpPort,
      httpsPort: web.httpsPort,
      caFile: certs.caFile,
      caPem: certs.ca.cert,
      portMap: { 80: web.httpPort, 443: web.httpsPort },
      blackholeAvailable: blackhole !== undefined,
      ...(blackholeError === undefined ? {} : { blackholeError }),
      dnsQueries: dns.queries,
      requests: web.requests,
      peakConcurrency: web.peakConcurrency,
      peakConnections: web.peakConnections,
      arrivals: web.arrivals,
      answers: web.answers,
      url: (host, path = '/', scheme = 'http') =>
        `${scheme}://${host}:${scheme === 'https' ? web.httpsPort : web.httpPort}${path.startsWith('/') ? path : '/' + path}`,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
