// A loopback-only HTTP/1.1 server writing exact bytes, so we can see what survives into the WARC.
import net from 'node:net';
import zlib from 'node:zlib';

export function body(n, seed = 1, kind = 'html') {
  if (kind === 'random') { const b = Buffer.alloc(n); let x = seed >>> 0 || 1; for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x & 255; } return b; }
  // HTML-ish text, compressible roughly like real pages (~4-6x with gzip -6)
  const words = ['<div class="item">', '<a href="/p/', '">', '</a>', '<p>', 'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'do', '</p>', '\n', '</div>'];
  let x = seed >>> 0 || 1; const parts = []; let len = 0;
  while (len < n) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; const w = (x >>> 0) % 3 === 0 ? String((x >>> 0) % 100000) : words[(x >>> 0) % words.length]; parts.push(w, ' '); len += w.length + 1; }
  return Buffer.from(parts.join('')).subarray(0, n);
}

export function startServer() {
  const srv = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, i); buf = buf.slice(i + 4);
        const [method, path] = head.split('\r\n')[0].split(' ');
        const u = new URL(path, 'http://x');
        if (u.pathname === '/odd') {
          // duplicate Set-Cookie split by another header, a latin1 byte, odd spacing, chunked body
          const b = Buffer.from('hello chunked world\n');
          sock.write(Buffer.concat([
            Buffer.from('HTTP/1.1 200 Fine Thanks\r\nSet-Cookie: a=1\r\nX-Odd:   spaced  \r\nSet-Cookie: b=2\r\nX-Latin: caf', 'latin1'), Buffer.from([0xe9]),
            Buffer.from('\r\ncontent-type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n'),
            Buffer.from(b.length.toString(16) + '\r\n'), b, Buffer.from('\r\n0\r\n\r\n')]));
        } else if (u.pathname === '/gz') {
          const z = zlib.gzipSync(body(5000, 7));
          sock.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${z.length}\r\n\r\n`), z]));
        } else {
          const n = Number(u.searchParams.get('n') || 10000), seed = Number(u.searchParams.get('s') || 1);
          const b = body(n, seed, u.searchParams.get('k') || 'html');
          sock.write(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${b.length}\r\n\r\n`));
          sock.write(b);
        }
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((res) => srv.listen(0, '127.0.0.1', () => res({ srv, port: srv.address().port })));
}
