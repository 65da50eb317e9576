// A lean HTTP/1.1 origin for throughput benchmarks, run as its own process: canned 200 responses on
// keep-alive connections, no parsing beyond finding where each request ends. Node's http module tops out
// near 5k requests/s on these machines, below what the client side can do, so it would measure itself.
// With a maximum delay, each answer waits a uniformly random 0..max ms (the latency-bound scenario), or
// exactly that long with `fixed` (the frontier's scenarios: every answer 100 ms away).
// Usage: node benchOrigin.js [port] [maxDelayMs] [fixed]   (prints the port, exits when its stdin closes)
import { createServer } from 'node:net';

const BODY = 'ok\n';
const HEAD = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\nConnection: keep-alive\r\n\r\n`;
const GET = HEAD + BODY;
const maxDelayMs = Number(process.argv[3] ?? 0);
const fixed = process.argv[4] === 'fixed';

const server = createServer((socket) => {
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
      if (maxDelayMs === 0) {
        out += answer;
        continue;
      }
      lastAnswerAt = Math.max(lastAnswerAt, Date.now() + (fixed ? maxDelayMs : Math.random() * maxDelayMs));
      setTimeout(() => socket.writable && socket.write(answer), lastAnswerAt - Date.now());
    }
    rest = text.slice(start);
    if (out) socket.write(out);
  });
  socket.on('error', () => socket.destroy());
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', 4096, () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
