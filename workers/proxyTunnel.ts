// A connection to a target through an HTTP proxy's CONNECT tunnel (RFC 9110 §9.3.6), for plain HTTP as
// for HTTPS, so that what the proxy says is never taken for the target's answer: a proxy that cannot be
// reached, or answers CONNECT with anything but 2xx, fails the URL as `proxy_error`; once the tunnel is
// up, everything (TLS with the target included) is the target's. The proxy resolves the target's name.
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import { CodedError, Codes } from '../src/errors.js';
import { redactProxy } from '../src/proxySettings.js';

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
  const port = proxy.port || (proxy.protocol === 'https:' ? '443' : '80');
  const auth = proxy.username ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` : null;
  const name = redactProxy(proxy.href.replace(/\/$/, ''));
  return (target, callback) => {
    const targetPort = target.port || (target.protocol === 'https:' ? '443' : '80');
    const authority = `${target.hostname}:${targetPort}`;
    const to = { hostname: proxy.hostname, host: proxy.host, protocol: proxy.protocol, port, servername: proxy.hostname };
    options.toProxy(to as buildConnector.Options, (err, socket) => {
      if (err) return callback(new CodedError(Codes.proxyUnreachable, `proxy ${name} not reached: ${err.message}`), null);
      const head =
        `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: ${options.userAgent}\r\n` +
        (auth ? `Proxy-Authorization: ${auth}\r\n` : '') +
        '\r\n';
      awaitTunnel(socket as Socket, head, authority, name, options.timeoutMs, (failure) => {
        if (failure) {
          socket!.destroy();
          return callback(failure, null);
        }
        if (target.protocol !== 'https:') return callback(null, socket);
        options.toTarget({ ...target, httpSocket: socket } as buildConnector.Options, callback);
      });
    });
  };
}

/** Sends CONNECT and reads the proxy's answer; `done(null)` once the tunnel is open, the socket paused at the target's first byte. */
function awaitTunnel(socket: Socket, head: string, authority: string, proxy: string, timeoutMs: number, done: (failure: Error | null) => void): void {
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
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) {
      if (received.length > MAX_ANSWER_BYTES) finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} sent ${received.length} bytes without ending its answer to CONNECT ${authority}`));
      return;
    }
    const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!m) return finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} answered CONNECT ${authority} with "${statusLine.slice(0, 80)}", not HTTP`));
    const status = Number(m[1]);
    if (status >= 200 && status < 300) return finish(null, received.subarray(end + 4));
    const reason = m[2] ? ` ${m[2].slice(0, 80)}` : '';
    if (status === 407) return finish(new CodedError(Codes.proxyAuth, `proxy ${proxy} wants credentials (407${reason}) for CONNECT ${authority}: give them in the proxy URL, http://user:password@host:port`));
    finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} answered ${status}${reason} to CONNECT ${authority}`));
  };
  const onError = (err: Error): void => finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} failed during CONNECT ${authority}: ${err.message}`));
  const onClose = (): void => finish(new CodedError(Codes.proxyRefused, `proxy ${proxy} closed the connection before answering CONNECT ${authority}`));
  // No answer in time: the proxy is most likely still connecting to a target that does not answer.
  const timer = setTimeout(
    () => finish(new CodedError(Codes.proxyTimeout, `no answer from proxy ${proxy} to CONNECT ${authority} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  socket.on('data', onData).on('error', onError).on('close', onClose);
  socket.write(head);
}
