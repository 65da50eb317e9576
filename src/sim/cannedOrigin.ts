// A lean HTTP/1.1 origin for throughput: canned 200 answers on keep-alive connections, no parsing beyond
// finding where each request ends. Node's http module tops out near 5k requests/s on these machines,
// below what the client side can do, so benchmarks and the memory test would measure it instead.
// With a delay, each answer waits a uniformly random 0..delayMs (or exactly delayMs when `fixed`).
import { listenOnLoopback, type LoopbackServer } from './listenOnLoopback.js';

const BODY = 'ok\n';
const HEAD = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: keep-alive\r\n\r\n`;
const GET = HEAD + BODY;

export type CannedOrigin = LoopbackServer;

export interface CannedOriginOptions {
  port?: number;
  delayMs?: number;
  fixed?: boolean;
}

export function startCannedOrigin({ port = 0, delayMs = 0, fixed = false }: CannedOriginOptions = {}): Promise<CannedOrigin> {
  return listenOnLoopback((socket) => {
    socket.setNoDelay(true);
    let rest = '';
    // Answers leave in request order: a delayed one is never overtaken by a later one on the same connection.
    let lastAnswerAt = 0;
    socket.on('data', (chunk: Buffer) => {
      const text = rest + chunk.toString('latin1');
      let out = '';
      let start = 0;
      let end: number;
      while ((end = text.indexOf('\r\n\r\n', start)) !== -1) {
        const answer = text.startsWith('HEAD', start) ? HEAD : GET;
        start = end + 4;
        if (delayMs === 0) {
          out += answer;
          continue;
        }
        lastAnswerAt = Math.max(lastAnswerAt, Date.now() + (fixed ? delayMs : Math.random() * delayMs));
        setTimeout(() => socket.writable && socket.write(answer), lastAnswerAt - Date.now());
      }
      rest = text.slice(start);
      if (out) socket.write(out);
    });
  }, port);
}
