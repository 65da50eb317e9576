// A connection to a target through an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6), for plain HTTP as
// for HTTPS, so that what the proxy says is never taken for the target's answer: a proxy that cannot be
// reached, or answers CONNECT with anything but 2xx, fails the URL as `proxy_error`; once the tunnel is
// up, everything (TLS with the target included) is the target's. The proxy resolves the target's name.
import { isIP, isIPv6, type Socket } from 'node:net';
import { errors, type buildConnector } from 'undici';
import { CodedError, Codes } from '../src/result/errors.js';
import { redactProxy } from '../src/options/proxySettings.js';
import { portOf } from './proxyRoute.js';

/** A proxy's answer to CONNECT is a status line and headers; more than this is not an answer. */
const MAX_ANSWER_BYTES = 16 * 1024;

export interface TunnelOptions {
  /** Connects to the proxy itself (TCP, or TLS for an https:// proxy). */
  toProxy: buildConnector.connector;
  /** Puts TLS with the target on top of the tunnel (given `httpSocket`). */
  toTarget: buildConnector.connector;
  userAgent: string;
  /** How long the proxy has to answer CONNECT (it connects to the target meanwhile). */
  timeoutMs: number;
}

/** A connector for undici that reaches every target through `proxy`. */
export function tunnelConnector(proxy: URL, options: TunnelOptions): buildConnector.connector {
  const port = String(portOf(proxy));
  // Checked decodable when the settings were read (src/options/proxySettings.ts).
  const auth = proxy.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` : null;
  const name = redactProxy(proxy.href);
  const address = proxy.hostname.startsWith('[') ? proxy.hostname.slice(1, -1) : proxy.hostname;
  const to = { hostname: address, host: proxy.host, protocol: proxy.protocol, port, ...(isIP(address) ? {} : { servername: address }) };
  return (target, callback) => {
    // One --connect-timeout for all of it: to the proxy, its answer to CONNECT, TLS with the target.
    const deadline = Date.now() + options.timeoutMs;
    const authority = `${isIPv6(target.hostname) ? `[${target.hostname}]` : target.hostname}:${portOf(target)}`;
    options.toProxy(to as buildConnector.Options, (err, socket) => {
      if (err) return callback(new CodedError(Codes.proxyUnreachable, `proxy ${name} not reached: ${err.message}`), null);
      const head =
        `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: ${options.userAgent}\r\n` +
        (auth ? `Proxy-Authorization: ${auth}\r\n` : '') +
        '\r\n';
      const tunnel = { socket: socket as Socket, authority, proxy: name, deadline, timeoutMs: options.timeoutMs, credentials: auth !== null, plain: target.protocol !== 'https:' };
      awaitTunnel(tunnel, head, (failure) => {
        if (failure) {
          socket!.destroy();
          return callback(failure, null);
        }
        if (tunnel.plain) return callback(null, socket);
        withinDeadline(socket as Socket, deadline, options.timeoutMs, authority, (done) =>
          options.toTarget({ ...target, httpSocket: socket } as buildConnector.Options, done), callback);
      });
    });
  };
}

/** Runs the last stage (TLS with the target) within what is left of the connect deadline. */
function withinDeadline(
  socket: Socket,
  deadline: number,
  timeoutMs: number,
  authority: string,
  stage: (done: buildConnector.Callback) => void,
  callback: buildConnector.Callback,
): void {
  let settled = false;
  const timer = setTimeout(() => {
    settled = true;
    socket.destroy();
    callback(new errors.ConnectTimeoutError(`Connect Timeout Error: TLS with ${authority} through the proxy not done within ${timeoutMs} ms`), null);
  }, Math.max(0, deadline - Date.now()));
  stage((err, connected) => {
    if (settled) return void connected?.destroy();
    settled = true;
    clearTimeout(timer);
    if (err) callback(err, null);
    else callback(null, connected!);
  });
}

interface Tunnel {
  socket: Socket;
  /** `host:port` asked for. */
  authority: string;
  /** The proxy's URL, password hidden. */
  proxy: string;
  deadline: number;
  timeoutMs: number;
  /** Whether Proxy-Authorization was sent. */
  credentials: boolean;
  /** A plain HTTP target: it speaks only once asked, so bytes right after the proxy's answer are not HTTP. */
  plain: boolean;
}

/** Sends CONNECT and reads the proxy's answer; `done(null)` once the tunnel is open, the socket paused at the target's first byte. */
function awaitTunnel(tunnel: Tunnel, head: string, done: (failure: Error | null) => void): void {
  const { socket, authority, proxy } = tunnel;
  let received = Buffer.alloc(0);
  let finished = false;
  const finish = (failure: Error | null, rest?: Buffer): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData).off('error', onError).off('close', onClose);
    if (!failure) {
      socket.pause();
      if (rest && rest.length > 0) socket.unshift(rest);
    }
    done(failure);
  };
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    // The end of the answer's head; a bare LF is taken for CRLF, as HTTP parsers do.
    const end = /\r?\n\r?\n/.exec(received.toString('latin1'));
    if (!end) {
      if (received.length > MAX_ANSWER_BYTES) finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} sent ${received.length} bytes without ending its answer to CONNECT ${authority}`));
      return;
    }
    const answer = received.subarray(0, end.index).toString('latin1');
    const rest = received.subarray(end.index + end[0].length);
    const statusLine = answer.split(/\r?\n/, 1)[0]!;
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!m) return finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} answered CONNECT ${authority} with "${statusLine.slice(0, 80)}", not HTTP`));
    const status = Number(m[1]);
    const reason = m[2] ? ` ${m[2].slice(0, 80)}` : '';
    if (status >= 200 && status < 300) {
      // undici would take such bytes for an answer to no request, drop the connection and open another, again
      // and again: the target spoke first (a mail server's banner, say), which is not HTTP.
      if (tunnel.plain && rest.length > 0) {
        return finish(new CodedError('HPE_INVALID_CONSTANT', `${authority} sent ${rest.length} bytes through the proxy before any request: not an HTTP server`));
      }
      return finish(null, rest);
    }
    if (status === 407) {
      const scheme = /^proxy-authenticate: *([^\s,]+)/im.exec(answer)?.[1];
      const wants = scheme && scheme.toLowerCase() !== 'basic' ? `; it asks for ${scheme}, and only Basic is supported` : '';
      const what = tunnel.credentials
        ? `refused the credentials given (407${reason}) for CONNECT ${authority}`
        : `wants credentials (407${reason}) for CONNECT ${authority}: give them in the proxy URL, http://user:password@host:port`;
      return finish(new CodedError(Codes.proxyAuth, `proxy ${proxy} ${what}${wants}`));
    }
    finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} answered ${status}${reason} to CONNECT ${authority}`));
  };
  const onError = (err: Error): void => finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} failed during CONNECT ${authority}: ${err.message}`));
  const onClose = (): void => finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} closed the connection before answering CONNECT ${authority}`));
  // No answer in time: the proxy is most likely still connecting to a target that does not answer.
  const timer = setTimeout(
    () => finish(new CodedError(Codes.proxyTimeout, `no answer from proxy ${proxy} to CONNECT ${authority} within ${tunnel.timeoutMs} ms`)),
    Math.max(0, tunnel.deadline - Date.now()),
  );
  socket.on('data', onData).on('error', onError).on('close', onClose);
  socket.write(head);
}
