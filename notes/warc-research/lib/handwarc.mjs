// Minimal hand-written WARC 1.1 record writer: headers by hand, node:crypto digests, node:zlib gzip.
// Two builders with the same interface:  b = new X(opts); b.head(rawHttpHead); b.data(chunk)...; member = b.finish(warcFields)
//  - BufferedGzip: keeps the raw body chunks, gzipSync(level) of the whole record at the end (one gzip member).
//  - StreamingGzip: compresses each body chunk as it arrives (deflateRawSync with Z_SYNC_FLUSH, so segments
//    concatenate), keeps only compressed bytes; at the end prepends gzip header + compressed WARC/HTTP headers
//    and appends the final block + CRC32 (combined) + ISIZE. Still one standard gzip member.
import zlib from 'node:zlib';
import { createHash, randomUUID } from 'node:crypto';

const CRLF2 = Buffer.from('\r\n\r\n');
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function base32(buf) { let bits = 0, v = 0, s = ''; for (const b of buf) { v = (v << 8) | b; bits += 8; while (bits >= 5) { s += B32[(v >>> (bits - 5)) & 31]; bits -= 5; } } if (bits) s += B32[(v << (5 - bits)) & 31]; return s; }
export const recordId = () => `<urn:uuid:${randomUUID()}>`;
export const sha1Label = (h) => 'sha1:' + base32(h.digest());

/** WARC header block; `fields` is [name, value][] (no Content-Length/digests: added here). */
export function warcHead(fields, contentLength, blockDigest, payloadDigest) {
  let s = 'WARC/1.1\r\n';
  for (const [k, v] of fields) { if (/[\r\n]/.test(k + v)) throw new Error('CR/LF in WARC header'); s += `${k}: ${v}\r\n`; }
  if (payloadDigest) s += `WARC-Payload-Digest: ${payloadDigest}\r\n`;
  if (blockDigest) s += `WARC-Block-Digest: ${blockDigest}\r\n`;
  return Buffer.from(s + `Content-Length: ${contentLength}\r\n\r\n`, 'latin1');
}

/** The raw HTTP head as bytes: status line + raw header Buffers from undici (controller.rawHeaders) + CRLF. */
export function httpHead(statusLine, rawHeaders) {
  const parts = [Buffer.from(statusLine + '\r\n', 'latin1')];
  for (let i = 0; i < rawHeaders.length; i += 2) parts.push(rawHeaders[i], Buffer.from(': '), rawHeaders[i + 1], Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

class Base {
  constructor({ level = 6 } = {}) { this.level = level; this.block = createHash('sha1'); this.payload = createHash('sha1'); this.headLen = 0; this.bodyLen = 0; }
  head(h) { this.httpHead = h; this.block.update(h); this.headLen = h.length; }
  data(chunk) { this.block.update(chunk); this.payload.update(chunk); this.bodyLen += chunk.length; }
  digests() { return [sha1Label(this.block), this.httpHead ? sha1Label(this.payload) : null]; }
}

export class BufferedGzip extends Base {
  chunks = [];
  data(chunk) { super.data(chunk); this.chunks.push(chunk); }
  finish(fields) {
    const [bd, pd] = this.digests();
    const head = warcHead(fields, this.headLen + this.bodyLen, bd, pd);
    const all = Buffer.concat([head, ...(this.httpHead ? [this.httpHead] : []), ...this.chunks, CRLF2]);
    this.chunks = [];
    return zlib.gzipSync(all, { level: this.level });
  }
  finishAsync(fields) {
    const [bd, pd] = this.digests();
    const head = warcHead(fields, this.headLen + this.bodyLen, bd, pd);
    const all = Buffer.concat([head, ...(this.httpHead ? [this.httpHead] : []), ...this.chunks, CRLF2]);
    this.chunks = [];
    return new Promise((res, rej) => zlib.gzip(all, { level: this.level }, (e, b) => (e ? rej(e) : res(b))));
  }
}

// --- CRC-32 combine (zlib's crc32_combine, GF(2) matrix method) ---
function gf2Times(mat, vec) { let sum = 0, i = 0; while (vec) { if (vec & 1) sum ^= mat[i]; vec >>>= 1; i++; } return sum >>> 0; }
function gf2Square(sq, mat) { for (let n = 0; n < 32; n++) sq[n] = gf2Times(mat, mat[n]); }
export function crc32Combine(crc1, crc2, len2) {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32), odd = new Uint32Array(32);
  odd[0] = 0xedb88320; for (let n = 1, row = 1; n < 32; n++, row = (row << 1) >>> 0) odd[n] = row;
  gf2Square(even, odd); gf2Square(odd, even);
  for (;;) {
    gf2Square(even, odd); if (len2 % 2) crc1 = gf2Times(even, crc1); len2 = Math.floor(len2 / 2); if (!len2) break;
    gf2Square(odd, even); if (len2 % 2) crc1 = gf2Times(odd, crc1); len2 = Math.floor(len2 / 2); if (!len2) break;
  }
  return (crc1 ^ crc2) >>> 0;
}

const GZ_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
export class StreamingGzip extends Base {
  segs = []; compressed = 0; crcBody = 0;
  constructor(o) { super(o); this.zo = { level: this.level, finishFlush: zlib.constants.Z_SYNC_FLUSH }; }
  data(chunk) {
    super.data(chunk);
    this.crcBody = zlib.crc32(chunk, this.crcBody);
    const seg = zlib.deflateRawSync(chunk, this.zo);   // byte-aligned, not final: segments concatenate
    this.segs.push(seg); this.compressed += seg.length;
  }
  finish(fields) {
    const [bd, pd] = this.digests();
    const head = Buffer.concat([warcHead(fields, this.headLen + this.bodyLen, bd, pd), ...(this.httpHead ? [this.httpHead] : [])]);
    const headSeg = zlib.deflateRawSync(head, this.zo);
    const tailSeg = zlib.deflateRawSync(CRLF2, { level: this.level }); // Z_FINISH: final block
    const crc = zlib.crc32(CRLF2, crc32Combine(zlib.crc32(head), this.crcBody, this.bodyLen));
    const trailer = Buffer.alloc(8); trailer.writeUInt32LE(crc, 0); trailer.writeUInt32LE((head.length + this.bodyLen + 4) % 2 ** 32, 4);
    const out = Buffer.concat([GZ_HEADER, headSeg, ...this.segs, tailSeg, trailer]);
    this.segs = [];
    return out;
  }
}
