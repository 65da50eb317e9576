// An HTTP proxy on loopback that takes CONNECT only, as a corporate proxy would: it resolves the target
// through the simulated internet's DNS, answers 502 when it cannot reach it, 407 without the credentials
// it wants, 403 for hosts it is told to refuse, and logs every CONNECT it is asked for.
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { Resolver } from 'node:dns/promises';

export interface ConnectProxy {
  url: string;
  port: number;
  /** Every CONNECT authority asked for, in order. */
  connects: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  /** The simulated internet's DNS server, `IP:PORT`. */
  resolver: string;
  /** `user:password` the proxy wants in Proxy-Authorization. */
  credentials?: string;
  /** Target host names answered 403. */
  refuse?: string[];
  /** Answer CONNECT this long after the target connected. */
  delayMs?: number;
  /** Serve the proxy over TLS with this certificate, at `https://name:port`. */
  tls?: { key: string; cert: string; name: string };
}

export async function startConnectProxy(options: ProxyOptions): Promise<ConnectProxy> {
  const dns = new Resolver({ timeout: 1000, tries: 1 });
  dns.setServers([options.resolver]);
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const onRequest: RequestListener = (_req, res) => void res.writeHead(405, { allow: 'CONNECT' }).end('CONNECT only\n');
  const server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    connects.push(authority);
    client.on('error', () => {});
    const answer = (status: number, reason: string, extra = ''): void => void client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}Content-Length: 0\r\n\r\n`);
    if (options.credentials && req.headers['proxy-authorization'] !== `Basic ${Buffer.from(options.credentials).toString('base64')}`) {
      return answer(407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test"\r\n');
    }
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(authority);
    if (!m) return answer(400, 'Bad Request');
    const host = (m[1] ?? m[2])!;
    if (options.refuse?.includes(host)) return answer(403, 'Forbidden');
    const address = /^[\d.]+$|:/.test(host) ? Promise.resolve(host) : dns.resolve4(host).then((a) => a[0]!);
    address.then(
      (ip) => {
        const upstream = connect({ host: ip, port: Number(m[3]) });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        let connected = false;
        upstream.once('connect', () => void setTimeout(open, options.delayMs ?? 0));
        const open = (): void => {
          connected = true;
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length > 0) upstream.write(head);
          upstream.pipe(client).on('error', () => {});
          client.pipe(upstream);
        };
        upstream.on('error', () => (connected ? client.destroy() : answer(502, 'Bad Gateway')));
        client.on('close', () => upstream.destroy());
      },
      () => answer(502, 'Bad Gateway'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: options.tls ? `https://${options.tls.name}:${port}` : `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
