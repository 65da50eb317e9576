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

/**
 * Bodies decoded at once in this thread. Each decoder inflates as fast as its thread-pool turn allows (a
 * bomb: megabytes a millisecond), so many at once churn memory faster than it is collected (40 bombs at
 * once peaked 170 MB above plain answers); the others wait, their bodies paused, for a turn.
 */
export const MAX_DECODING = 4;
let decoding = 0;
const waitingToDecode: Array<() => void> = [];

function releaseDecoder(): void {
  const next = waitingToDecode.shift();
  if (next) next();
  else decoding--;
}

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
  /** Holds one of the MAX_DECODING turns; null: waiting for one (or no decoding needed). */
  private turn: 'held' | 'waiting' | 'released' | null = null;
  /** Wire bytes that came while waiting for a turn (one chunk: the body is paused meanwhile). */
  private held: Buffer[] = [];

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

  /**
   * A chunk off the wire: 'more' to go on, 'stop' once the body is past --max-body, or 'wait' when it must
   * wait for a turn to decode: pause the body then, and resume it when `ready` is called.
   */
  write(chunk: Buffer, ready: () => void = () => {}): 'more' | 'stop' | 'wait' {
    if (this.truncated) return 'stop';
    let piece = chunk;
    if (this.wireBytes + chunk.length > this.maxBytes) {
      piece = chunk.subarray(0, this.maxBytes - this.wireBytes);
      this.truncated = true;
    }
    this.wireBytes += piece.length;
    if (!this.decoder) {
      this.take(piece);
      return this.truncated ? 'stop' : 'more';
    }
    if (this.turn === null) {
      if (decoding < MAX_DECODING) {
        decoding++;
        this.turn = 'held';
      } else {
        this.turn = 'waiting';
        waitingToDecode.push(() => {
          if (this.turn !== 'waiting') return releaseDecoder(); // abandoned meanwhile: pass the turn on
          this.turn = 'held';
          for (const c of this.held.splice(0)) this.decoder!.write(c);
          for (const go of this.onTurn.splice(0)) go();
          ready();
        });
      }
    }
    if (this.turn === 'waiting') {
      this.held.push(Buffer.from(piece));
      return 'wait';
    }
    this.decoder.write(piece);
    return this.truncated ? 'stop' : 'more';
  }

  /** The body has ended (or was cut): what it says. */
  async end(): Promise<BodyFacts> {
    if (this.turn === 'waiting') await new Promise<void>((go) => this.onTurn.push(go));
    if (this.decoder && !this.decoder.destroyed) this.decoder.end();
    await this.decoded;
    this.giveBack();
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
    this.giveBack();
  }

  private readonly onTurn: Array<() => void> = [];

  private giveBack(): void {
    if (this.turn === 'held') releaseDecoder();
    this.turn = 'released';
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
