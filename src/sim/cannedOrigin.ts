// A lean HTTP/1.1 origin for throughput: canned 200 answers on keep-alive connections, no parsing beyond
// finding where each request ends. Node's http module tops out near 5k requests/s on these machines,
// below what the client side can do, so benchmarks and the memory test would measure it instead.
// With a delay, each answer waits a uniformly random 0..delayMs (or exactly delayMs when `fixed`). With
// `bodyBytes`, GET answers carry an HTML page of that size (words, compressing as text does) instead of "ok".
import { listenOnLoopback, type LoopbackServer } from './listenOnLoopback.js';

/** The canned answers to HEAD and GET. */
function answers(bodyBytes: number | null): { head: string; get: string } {
  const body = bodyBytes === null ? 'ok\n' : page(bodyBytes);
  const type = bodyBytes === null ? 'text/plain' : 'text/html; charset=utf-8';
  const head = `HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n`;
  return { head, get: head + body };
}

/** An HTML page of `bytes` bytes: a title, then words in a seeded order (text that gzip halves or better). */
function page(bytes: number): string {
  const words = ['sweep', 'host', 'archive', 'record', 'page', 'link', 'the', 'of', 'and', 'response', 'body', 'list', 'crawl', 'title', 'data'];
  let text = '<!doctype html><html><head><title>A canned page</title></head><body><p>';
  for (let seed = 7; text.length < bytes - 20; seed = (seed * 1103515245 + 12345) % 2 ** 31) text += words[seed % words.length] + ' ';
  return (text.slice(0, bytes - 18) + '</p></body></html>').padEnd(bytes, ' ');
}

export type CannedOrigin = LoopbackServer;

export interface CannedOriginOptions {
  port?: number;
  delayMs?: number;
  fixed?: boolean;
  /** GET answers carry a page of this many bytes (null: "ok"). */
  bodyBytes?: number | null;
}

export function startCannedOrigin({ port = 0, delayMs = 0, fixed = false, bodyBytes = null }: CannedOriginOptions = {}): Promise<CannedOrigin> {
  const { head: HEAD, get: GET } = answers(bodyBytes);
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
