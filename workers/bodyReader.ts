// What a GET's body says, read as it streams and never held whole: its SHA-256 and its HTML <title>, both of
// the body as delivered (content coding removed). Decoding is capped like the body itself (--max-body), so a
// compression bomb costs at most that much work; past the cap the body is cut and marked truncated.
import { createHash, type Hash } from 'node:crypto';
import { createBrotliDecompress, createGunzip, createInflate, type Gunzip } from 'node:zlib';
import { isUtf8 } from 'node:buffer';

/** Decoded bytes looked through for the <title> (and a <meta charset>): a head's worth. */
const TITLE_WINDOW = 64 * 1024;
/** Titles longer than this are cut (characters). */
const MAX_TITLE = 1000;

export interface BodyFacts {
  /** Hex SHA-256 of the decoded body (of what was read when truncated); null when it could not be decoded. */
  sha256: string | null;
  title: string | null;
  /** The body went past --max-body (on the wire or decoded) and was cut there. */
  truncated: boolean;
  /** Bytes received on the wire. */
  wireBytes: number;
}

type Decoder = Gunzip;

export class BodyReader {
  private readonly hash: Hash = createHash('sha256');
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private decodedBytes = 0;
  private wireBytes = 0;
  private truncated = false;
  private failed = false;
  private readonly decoder: Decoder | null;
  private readonly decoded: Promise<void>;

  /**
   * `encoding`: the Content-Encoding header (null for none); `contentType` its charset is read from;
   * `maxBytes`: --max-body, for the wire and for the decoded body alike.
   */
  constructor(
    encoding: string | null,
    private readonly contentType: string | null,
    private readonly maxBytes: number,
  ) {
    this.decoder = decoderFor(encoding);
    if (!this.decoder) {
      this.decoded = Promise.resolve();
      return;
    }
    this.decoder.on('data', (chunk: Buffer) => this.take(chunk));
    this.decoded = new Promise<void>((resolve) => {
      this.decoder!.on('end', resolve);
      this.decoder!.on('close', resolve);
      // A body that is not what its coding says (or is cut short) still has a status: only its facts are lost.
      this.decoder!.on('error', () => {
        // Cut short on purpose, a coding ends early: what was decoded stands.
        if (!this.truncated) this.failed = true;
        resolve();
      });
    });
  }

  /** A chunk off the wire; false once the body is past --max-body and reading should stop. */
  write(chunk: Buffer): boolean {
    if (this.truncated) return false;
    let piece = chunk;
    if (this.wireBytes + chunk.length > this.maxBytes) {
      piece = chunk.subarray(0, this.maxBytes - this.wireBytes);
      this.truncated = true;
    }
    this.wireBytes += piece.length;
    if (this.decoder) this.decoder.write(piece);
    else this.take(piece);
    return !this.truncated;
  }

  /** The body has ended (or was cut): what it says. */
  async end(): Promise<BodyFacts> {
    if (this.decoder && !this.decoder.destroyed) this.decoder.end();
    await this.decoded;
    const head = Buffer.concat(this.head);
    return {
      sha256: this.failed ? null : this.hash.digest('hex'),
      title: findTitle(head, this.contentType),
      truncated: this.truncated,
      wireBytes: this.wireBytes,
    };
  }

  /** Stops decoding at once (the request failed). */
  abandon(): void {
    this.decoder?.destroy();
  }

  private take(chunk: Buffer): void {
    if (this.decodedBytes + chunk.length > this.maxBytes) {
      chunk = chunk.subarray(0, this.maxBytes - this.decodedBytes);
      this.truncated = true;
      // A bomb: stop inflating now, not when the wire ends.
      this.decoder?.destroy();
    }
    this.decodedBytes += chunk.length;
    this.hash.update(chunk);
    if (this.headBytes < TITLE_WINDOW) {
      const part = chunk.subarray(0, TITLE_WINDOW - this.headBytes);
      this.head.push(Buffer.from(part));
      this.headBytes += part.length;
    }
  }
}

function decoderFor(encoding: string | null): Decoder | null {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === 'identity') return null;
  if (coding === 'gzip' || coding === 'x-gzip') return createGunzip();
  if (coding === 'deflate') return createInflate();
  if (coding === 'br') return createBrotliDecompress() as unknown as Gunzip;
  return null;
}

/** The <title> of an HTML head, decoded with the page's charset (header, BOM, <meta>), whitespace collapsed. */
export function findTitle(head: Buffer, contentType: string | null): string | null {
  const ascii = head.toString('latin1');
  const open = /<title\b[^>]*>/i.exec(ascii);
  if (!open) return null;
  const start = open.index + open[0].length;
  const close = ascii.slice(start).search(/<\/title\s*>/i);
  const bytes = head.subarray(start, close === -1 ? head.length : start + close);
  const text = decode(bytes, charsetOf(head, contentType));
  const title = decodeEntities(text).replace(/\s+/g, ' ').trim();
  return title === '' ? null : title.slice(0, MAX_TITLE);
}

/** The charset as a browser would find it: a BOM, the Content-Type header, a <meta> in the first 1024 bytes; else UTF-8 if it is, else windows-1252. */
function charsetOf(head: Buffer, contentType: string | null): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  const fromHeader = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  if (fromHeader && supported(fromHeader)) return fromHeader;
  const prescan = head.subarray(0, 1024).toString('latin1');
  const meta = /<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(prescan)?.[1];
  if (meta && supported(meta)) return meta;
  return isUtf8(head) || isUtf8(head.subarray(0, Math.max(0, head.length - 3))) ? 'utf-8' : 'windows-1252';
}

function supported(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

function decode(bytes: Buffer, charset: string): string {
  return new TextDecoder(charset).decode(bytes);
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
