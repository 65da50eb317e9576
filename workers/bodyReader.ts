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
 * bomb: megabytes a millisecond) and brotli's holds its window (4 MiB for most), so 20 bombs at once in a
 * thread cost 116 MB, one at a time 45 (`gzip` alone: 32 either way). The others wait for a turn holding
 * their bytes off the wire (not paused: undici asserts when a paused response's socket ends).
 */
export const MAX_DECODING = 4;
/**
 * Wire bytes a thread may hold for bodies waiting to decode. Bombs are small on the wire (a 256 MiB one is
 * 261 KB of gzip, 405 bytes of brotli) and wait; past this, a body decodes without waiting for its turn,
 * so waiting never holds more than this.
 */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;
let decoding = 0;
let heldBytes = 0;
const waitingToDecode: BodyReader[] = [];

/** How many bodies decode, wait to, and the wire bytes they hold in this thread (for tests). */
export function decoderTurns(): { decoding: number; waiting: number; heldBytes: number } {
  return { decoding, waiting: waitingToDecode.length, heldBytes };
}

/** A turn is free: the first body still waiting takes it. */
function passTurn(): void {
  decoding--;
  while (decoding < MAX_DECODING && waitingToDecode.length > 0) waitingToDecode.shift()!.startDecoding();
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
  /** Whether it holds one of the MAX_DECODING turns, waits for one, or is done with it. */
  private turn: 'none' | 'held' | 'waiting' | 'released' = 'none';
  /** Wire bytes that came while waiting for a turn. */
  private held: Buffer[] = [];
  private heldHere = 0;
  /** Called when the turn comes to a body that ended while it waited. */
  private onTurn: (() => void) | null = null;

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

  /** A chunk off the wire: 'more' to go on, 'stop' once the body is past --max-body. */
  write(chunk: Buffer): 'more' | 'stop' {
    if (this.truncated) return 'stop';
    let piece = chunk;
    if (this.wireBytes + chunk.length > this.maxBytes) {
      piece = chunk.subarray(0, this.maxBytes - this.wireBytes);
      this.truncated = true;
    }
    this.wireBytes += piece.length;
    if (!this.decoder) this.take(piece);
    else {
      if (this.turn === 'none') {
        this.turn = 'waiting';
        if (decoding < MAX_DECODING) this.startDecoding();
        else waitingToDecode.push(this);
      }
      if (this.turn === 'held') this.decoder.write(piece);
      else this.hold(piece);
    }
    return this.truncated ? 'stop' : 'more';
  }

  /** Its turn has come (or waiting would hold too much): what it held goes to the decoder, and what comes next. */
  startDecoding(): void {
    if (this.turn !== 'waiting') return;
    decoding++;
    this.turn = 'held';
    heldBytes -= this.heldHere;
    this.heldHere = 0;
    for (const piece of this.held.splice(0)) this.decoder!.write(piece);
    this.onTurn?.();
  }

  private hold(piece: Buffer): void {
    // undici's chunk is a view of its read buffer: copied, it holds only its own bytes.
    this.held.push(Buffer.from(piece));
    this.heldHere += piece.length;
    heldBytes += piece.length;
    if (heldBytes > MAX_HELD_BYTES) {
      const index = waitingToDecode.indexOf(this);
      if (index !== -1) waitingToDecode.splice(index, 1);
      this.startDecoding();
    }
  }

  /** The body has ended (or was cut): what it says. */
  async end(): Promise<BodyFacts> {
    if (this.turn === 'waiting') await new Promise<void>((go) => (this.onTurn = go));
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

  private giveBack(): void {
    if (this.turn === 'waiting') {
      waitingToDecode.splice(waitingToDecode.indexOf(this), 1);
      heldBytes -= this.heldHere;
      this.held = [];
    }
    const had = this.turn === 'held';
    this.turn = 'released';
    if (had) passTurn();
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
