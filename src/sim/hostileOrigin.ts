// An origin for the hostile web: answers written on the raw socket, byte by byte where it matters, as a
// broken or hostile server sends them (Node's http server cannot send half a header block). The request's
// path picks the behaviour: `http://127.0.0.1:PORT/trickle`, or through any name the simulated DNS
// answers with 127.0.0.1 (`http://fine-x.test:PORT/trickle`). A connection is read for further requests
// after the behaviours that keep it alive (strayhead, lyingkeepalive, longbody, ok). A TLS client is met
// by what the name it asks for (SNI, plain text in its ClientHello) says: a name starting `plainhttp`
// gets a plain HTTP answer, `tlsgarbage` bytes that are not TLS, any other name silence.
import type { Socket } from 'node:net';
import { once } from 'node:events';
import { constants as zlib, createBrotliCompress, createGzip } from 'node:zlib';
import { listenOnLoopback, type LoopbackServer } from './listenOnLoopback.js';

/** How often a trickling answer sends its next piece. */
export const TRICKLE_EVERY_MS = 250;
const TRICKLE_LENGTH = 100_000;
/** How long after a HEAD's headers strayhead sends the body it should not. */
const STRAY_AFTER_MS = 5;
/** What a compression bomb expands to: more than a sweep's whole memory, so that decoding one would show. */
export const BOMB_BYTES = 256 * 1024 * 1024;
/** Interim answers before the final one in an `infoflood`. */
const INFO_FLOOD = 2_000;
/** Hosts in a `chain` of redirects. */
export const CHAIN_HOSTS = 50;
/** Length of the Location of `hugelocation`. */
const HUGE_LOCATION_BYTES = 100_000;
/** The longest request head read; past it, the request is not HTTP. */
const MAX_REQUEST_HEAD = 16 * 1024;

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
  ok: '200 with a 3-byte body, kept alive',
  endless: '200 without a length, then body bytes as fast as the connection takes them, never the end',
  gzipbomb: `200, Content-Encoding: gzip, a body that expands to ${BOMB_BYTES / 1024 / 1024} MiB of zeros`,
  brbomb: `200, Content-Encoding: br, a body that expands to ${BOMB_BYTES / 1024 / 1024} MiB of zeros`,
  badchunk: '200, Transfer-Encoding: chunked, and a chunk size that is not hexadecimal',
  shortbody: '200 with Content-Length: 1000, 10 bytes of body, then the connection closed',
  longbody: '200 with Content-Length: 2 on a kept-alive connection, and 100 bytes of body (the rest spoils the connection)',
  infoflood: `${INFO_FLOOD} interim 103 answers, then a final 200`,
  continue100: 'an unsolicited 100 Continue, then a final 200',
  infoendless: '103 answers as fast as the connection takes them, never a final one',
  http09: 'an HTTP/0.9 answer: the body alone, no status line, then close',
  tofile: '302 to file:///etc/passwd',
  tojs: '302 to javascript:alert(1)',
  hugelocation: `302 to /ok?x… (${HUGE_LOCATION_BYTES / 1000} KB)`,
  chain: `302 from /chain/N on host cN.… to /chain/N+1 on host cN+1.… (the name's first label replaced), ${CHAIN_HOSTS} hosts, then 200`,
  queryloop: '302 from /queryloop?n=N to /queryloop?n=N+1, forever',
} as const satisfies Record<string, string>;

export type HostileBehaviour = keyof typeof HOSTILE_BEHAVIOURS;

export type HostileOrigin = LoopbackServer;

/** Writes `piece()` every TRICKLE_EVERY_MS until the connection closes. */
function trickle(socket: Socket, piece: () => string): void {
  const timer = setInterval(() => socket.write(piece()), TRICKLE_EVERY_MS);
  socket.on('close', () => clearInterval(timer));
}

/** Writes `chunk` again and again for as long as the connection takes it. */
function flood(socket: Socket, chunk: string): void {
  const more = (): void => {
    while (!socket.destroyed && socket.write(chunk));
    if (!socket.destroyed) socket.once('drain', more);
  };
  more();
}

/** Bodies that expand to BOMB_BYTES, made once when first asked for (a megabyte of zeros at a time). */
const bombs = new Map<'gzip' | 'br', Promise<Buffer>>();
function bomb(coding: 'gzip' | 'br'): Promise<Buffer> {
  let body = bombs.get(coding);
  if (!body) {
    const coder = coding === 'gzip' ? createGzip({ level: 9 }) : createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
    const zeros = Buffer.alloc(1024 * 1024);
    void (async () => {
      for (let written = 0; written < BOMB_BYTES; written += zeros.length) if (!coder.write(zeros)) await once(coder, 'drain');
      coder.end();
    })();
    body = coder.toArray().then((chunks) => Buffer.concat(chunks as Buffer[]));
    bombs.set(coding, body);
  }
  return body;
}

const redirect = (socket: Socket, location: string): void =>
  void socket.write(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\n\r\n`);

/** Answers one request; true when the connection is read for another. */
function answer(socket: Socket, method: string, behaviour: HostileBehaviour, head: string): boolean {
  const body = (text: string): string => (method === 'HEAD' ? '' : text);
  switch (behaviour) {
    case 'ok':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${body('ok\n')}`);
      return true;
    case 'endless':
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n');
      if (method !== 'HEAD') flood(socket, 'e'.repeat(64 * 1024));
      return false;
    case 'gzipbomb':
    case 'brbomb': {
      const coding = behaviour === 'gzipbomb' ? 'gzip' : 'br';
      void bomb(coding).then((coded) => {
        if (socket.destroyed) return;
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: ${coding}\r\nContent-Length: ${coded.length}\r\nConnection: close\r\n\r\n`);
        socket.end(method === 'HEAD' ? '' : coded);
      });
      return false;
    }
    case 'badchunk':
      socket.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body('zz\r\nnot a chunk\r\n0\r\n\r\n')}`);
      return false;
    case 'shortbody':
      socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${body('0123456789')}`);
      return false;
    case 'longbody':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n${body('ok' + 'x'.repeat(98))}`);
      return true;
    case 'infoflood':
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'.repeat(INFO_FLOOD));
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${body('ok\n')}`);
      return true;
    case 'continue100':
      socket.write(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${body('ok\n')}`);
      return true;
    case 'infoendless':
      flood(socket, 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'.repeat(100));
      return false;
    case 'http09':
      socket.end('<html><body>HTTP/0.9 had no status line</body></html>\n');
      return false;
    case 'tofile':
      redirect(socket, 'file:///etc/passwd');
      return true;
    case 'tojs':
      redirect(socket, 'javascript:alert(1)');
      return true;
    case 'hugelocation':
      redirect(socket, `/ok?${'x'.repeat(HUGE_LOCATION_BYTES)}`);
      return true;
    case 'chain': {
      const n = Number(/^\S+ \/chain\/(\d+)/.exec(head)?.[1] ?? 0);
      const host = /\r\nhost: *([^\r\n]+)/i.exec(head)?.[1] ?? '';
      if (n >= CHAIN_HOSTS) {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n${body('ok\n')}`);
        return true;
      }
      redirect(socket, `http://${host.replace(/^[^.]+/, `c${n + 1}`)}/chain/${n + 1}`);
      return true;
    }
    case 'queryloop': {
      const n = Number(/^\S+ \/queryloop\?n=(\d+)/.exec(head)?.[1] ?? 0);
      redirect(socket, `/queryloop?n=${n + 1}`);
      return true;
    }
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
    case 'headerflood':
      socket.write('HTTP/1.1 200 OK\r\n');
      flood(socket, `X-Flood: ${'f'.repeat(1000)}\r\n`.repeat(64));
      return false;
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
        reading = answer(socket, head.slice(0, head.indexOf(' ')), behaviourOf(head), head);
      }
      // A TLS ClientHello (a handshake record: 0x16 0x03): answered by the name it asks for.
      if (buffered.charCodeAt(0) === 0x16 && buffered.charCodeAt(1) === 0x03) {
        reading = false;
        if (buffered.includes('plainhttp')) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        else if (buffered.includes('tlsgarbage')) socket.end(Buffer.alloc(512, 0x5a));
      }
      if (buffered.length >= MAX_REQUEST_HEAD) reading = false; // not HTTP: silence
    });
  });
}
