// An origin for the hostile web: answers written on the raw socket, byte by byte where it matters, as a
// broken or hostile server sends them (Node's http server cannot send half a header block). The request's
// path picks the behaviour: `http://127.0.0.1:PORT/trickle`, or through any name the simulated DNS
// answers with 127.0.0.1 (`http://fine-x.test:PORT/trickle`). A connection is read for further requests
// after the behaviours that keep it alive (strayhead, lyingkeepalive).
import type { Socket } from 'node:net';
import { listenOnLoopback, type LoopbackServer } from './listenOnLoopback.js';

/** How often a trickling answer sends its next piece. */
export const TRICKLE_EVERY_MS = 250;
const TRICKLE_LENGTH = 100_000;
/** How long after a HEAD's headers strayhead sends the body it should not. */
const STRAY_AFTER_MS = 5;

export const HOSTILE_BEHAVIOURS = {
  trickle: `200 headers for a ${TRICKLE_LENGTH}-byte body, then one body byte every ${TRICKLE_EVERY_MS} ms (a HEAD gets the headers alone)`,
  slowheaders: `a status line, then one header line every ${TRICKLE_EVERY_MS} ms, never the end of the headers`,
  early: '103 Early Hints (with Link, Content-Type and Location headers), then a final 301 with none of them',
  status042: 'a status line with the status 042, then an empty body',
  status000: 'a status line with the status 000, then an empty body',
  cookies: '200 with 40 KB of Set-Cookie headers (a real site\'s cookie flood), then a short body',
  headerflood: '200 with header lines without end, as fast as the connection takes them',
  strayhead: '200 with a 5-byte body on a kept-alive connection; to a HEAD, the body anyway, 5 ms later (stray bytes before the next answer)',
  lyingkeepalive: '200 with a 3-byte body, Connection: keep-alive, and the connection closed 20 ms later',
  silent: 'reads the request and never answers; for a TLS client, a handshake that never completes (any request not understood is met with silence)',
} as const satisfies Record<string, string>;

export type HostileBehaviour = keyof typeof HOSTILE_BEHAVIOURS;

export type HostileOrigin = LoopbackServer;

/** Writes `piece()` every TRICKLE_EVERY_MS until the connection closes. */
function trickle(socket: Socket, piece: () => string): void {
  const timer = setInterval(() => socket.write(piece()), TRICKLE_EVERY_MS);
  socket.on('close', () => clearInterval(timer));
}

/** Answers one request; true when the connection is read for another. */
function answer(socket: Socket, method: string, behaviour: HostileBehaviour): boolean {
  switch (behaviour) {
    case 'strayhead':
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n');
      // The body a HEAD must not get comes a moment later, when the client may have sent its next request.
      setTimeout(() => socket.writable && socket.write('stray'), method === 'HEAD' ? STRAY_AFTER_MS : 0);
      return true;
    case 'lyingkeepalive':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n${method === 'HEAD' ? '' : 'ok\n'}`);
      setTimeout(() => socket.destroy(), 20);
      return true;
    case 'trickle':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${TRICKLE_LENGTH}\r\n\r\n`);
      if (method !== 'HEAD') trickle(socket, () => 't');
      return false;
    case 'slowheaders':
      socket.write('HTTP/1.1 200 OK\r\n');
      trickle(socket, () => 'X-Slow: 1\r\n');
      return false;
    case 'early':
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nContent-Type: text/html\r\nLocation: /not-final\r\n\r\n');
      socket.end('HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return false;
    case 'status042':
    case 'status000':
      socket.end(`HTTP/1.1 ${behaviour.slice(6)} Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return false;
    case 'cookies': {
      const cookies = Array.from({ length: 400 }, (_, i) => `Set-Cookie: c${i}=${'v'.repeat(90)}\r\n`).join('');
      socket.end(`HTTP/1.1 200 OK\r\n${cookies}Content-Length: 3\r\nConnection: close\r\n\r\n${method === 'HEAD' ? '' : 'ok\n'}`);
      return false;
    }
    case 'headerflood': {
      socket.write('HTTP/1.1 200 OK\r\n');
      const lines = `X-Flood: ${'f'.repeat(1000)}\r\n`.repeat(64);
      const flood = (): void => {
        while (!socket.destroyed && socket.write(lines));
        if (!socket.destroyed) socket.once('drain', flood);
      };
      flood();
      return false;
    }
    case 'silent':
      return false;
  }
}

/** The behaviour a request line asks for: its path's first segment; silence for anything else. */
function behaviourOf(requestLine: string): HostileBehaviour {
  const name = /^[A-Z]+ \/([a-z0-9]+)/.exec(requestLine)?.[1];
  return name !== undefined && Object.hasOwn(HOSTILE_BEHAVIOURS, name) ? (name as HostileBehaviour) : 'silent';
}

export function startHostileOrigin(): Promise<HostileOrigin> {
  return listenOnLoopback((socket) => {
    // Requests are read while the behaviour keeps the connection; after that, what comes is ignored.
    let buffered = '';
    let reading = true;
    socket.on('data', (chunk: Buffer) => {
      if (!reading) return;
      buffered += chunk.toString('latin1');
      let end: number;
      while (reading && (end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        reading = answer(socket, head.slice(0, head.indexOf(' ')), behaviourOf(head));
      }
      if (buffered.length >= 16_384) reading = false; // not HTTP (a TLS ClientHello is far shorter): silence
    });
  });
}
