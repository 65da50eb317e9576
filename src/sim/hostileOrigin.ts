// An origin for the hostile web: answers written on the raw socket, byte by byte where it matters, as a
// broken or hostile server sends them (Node's http server cannot send half a header block). The request's
// path picks the behaviour: `http://127.0.0.1:PORT/trickle`, or through any name the simulated DNS
// answers with 127.0.0.1 (`http://fine-x.test:PORT/trickle`). One request per connection.
import { createServer, type AddressInfo, type Socket } from 'node:net';

/** How often a trickling answer sends its next piece. */
export const TRICKLE_EVERY_MS = 250;
const TRICKLE_LENGTH = 100_000;

export const HOSTILE_BEHAVIOURS = {
  trickle: `200 headers for a ${TRICKLE_LENGTH}-byte body, then one body byte every ${TRICKLE_EVERY_MS} ms (a HEAD gets the headers alone)`,
  slowheaders: `a status line, then one header line every ${TRICKLE_EVERY_MS} ms, never the end of the headers`,
  early: '103 Early Hints (with Link, Content-Type and Location headers), then a final 301 with none of them',
  status042: 'a status line with the status 042, then an empty body',
  status000: 'a status line with the status 000, then an empty body',
  cookies: '200 with 40 KB of Set-Cookie headers (a real site\'s cookie flood), then a short body',
  headerflood: '200 with header lines without end, as fast as the connection takes them',
  silent: 'reads the request and never answers; for a TLS client, a handshake that never completes (any request not understood is met with silence)',
} as const satisfies Record<string, string>;

export type HostileBehaviour = keyof typeof HOSTILE_BEHAVIOURS;

export interface HostileOrigin {
  port: number;
  close(): Promise<void>;
}

/** Writes `piece()` every TRICKLE_EVERY_MS until the connection closes. */
function trickle(socket: Socket, piece: () => string): void {
  const timer = setInterval(() => socket.write(piece()), TRICKLE_EVERY_MS);
  socket.on('close', () => clearInterval(timer));
}

function answer(socket: Socket, method: string, behaviour: HostileBehaviour): void {
  switch (behaviour) {
    case 'trickle':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${TRICKLE_LENGTH}\r\n\r\n`);
      if (method !== 'HEAD') trickle(socket, () => 't');
      return;
    case 'slowheaders':
      socket.write('HTTP/1.1 200 OK\r\n');
      trickle(socket, () => 'X-Slow: 1\r\n');
      return;
    case 'early':
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nContent-Type: text/html\r\nLocation: /not-final\r\n\r\n');
      socket.end('HTTP/1.1 301 Moved Permanently\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    case 'status042':
    case 'status000':
      socket.end(`HTTP/1.1 ${behaviour.slice(6)} Odd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    case 'cookies': {
      const cookies = Array.from({ length: 400 }, (_, i) => `Set-Cookie: c${i}=${'v'.repeat(90)}\r\n`).join('');
      socket.end(`HTTP/1.1 200 OK\r\n${cookies}Content-Length: 3\r\nConnection: close\r\n\r\n${method === 'HEAD' ? '' : 'ok\n'}`);
      return;
    }
    case 'headerflood': {
      socket.write('HTTP/1.1 200 OK\r\n');
      const lines = `X-Flood: ${'f'.repeat(1000)}\r\n`.repeat(64);
      const flood = (): void => {
        while (!socket.destroyed && socket.write(lines));
        if (!socket.destroyed) socket.once('drain', flood);
      };
      flood();
      return;
    }
    case 'silent':
      return;
  }
}

/** The behaviour a request line asks for: its path's first segment; silence for anything else. */
function behaviourOf(requestLine: string): HostileBehaviour {
  const name = /^[A-Z]+ \/([a-z0-9]+)/.exec(requestLine)?.[1];
  return name !== undefined && Object.hasOwn(HOSTILE_BEHAVIOURS, name) ? (name as HostileBehaviour) : 'silent';
}

export async function startHostileOrigin(): Promise<HostileOrigin> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n') && head.length < 16_384) return;
      socket.off('data', onData);
      socket.resume(); // what follows is read and ignored
      answer(socket, head.slice(0, head.indexOf(' ')), behaviourOf(head));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
