// What a GET's body says, read as it streams and never held whole: its SHA-256 and its HTML <title>, both of
// the body as delivered (content coding removed). Decoding is capped like the body itself (--max-body), so a
// compression bomb costs at most that much work; past the cap the body is cut and marked truncated.
// Stacked codings ("gzip, br") are not undone: the facts of such a body are null.
import { createHash, type Hash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { codingOf, decoderFor, type Coding, type Decoder } from '../src/util/contentCoding.js';

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


/**
 * Pieces of bodies inflated at once in this thread. Each inflates as fast as its thread-pool turn allows
 * (a bomb: megabytes a millisecond, until --max-body), so many at once churn memory faster than it is
 * collected, and brotli allocates its window (4 MiB for most) when it starts: 20 brotli bombs at once took
 * a process from 48 to 164 MB, four at a time to 107, one at a time to 93. A turn lasts while one piece is
 * inflated, not while its body trickles in, so a slow body never keeps a fast one waiting; pieces waiting
 * for a turn are held (not paused: undici asserts when a paused response's socket ends). A decoder lives as
 * long as its body: bodies in flight with a coding each hold one (32 KiB for gzip, up to the window for brotli).
 */
export const MAX_DECODING = 4;
/**
 * Wire bytes a thread may hold for bodies waiting to inflate. Bombs are small on the wire (a 256 MiB one is
 * 261 KB of gzip, 405 bytes of brotli) and wait; past this, a piece inflates without waiting for its turn,
 * so waiting never holds more than this.
 */
export const MAX_HELD_BYTES = 16 * 1024 * 1024;
let decoding = 0;
let heldBytes = 0;
const waitingToDecode: BodyReader[] = [];

/** How many pieces inflate, bodies wait to, and the wire bytes they hold in this thread (for tests). */
export function decoderTurns(): { decoding: number; waiting: number; heldBytes: number } {
  return { decoding, waiting: waitingToDecode.length, heldBytes };
}

/** A turn is free: the bodies waiting take it in turn. */
function passTurn(): void {
  decoding--;
  while (decoding < MAX_DECODING && waitingToDecode.length > 0) waitingToDecode.shift()!.pump();
}

export class BodyReader {
  private readonly hash: Hash = createHash('sha256');
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private decodedBytes = 0;
  private wireBytes = 0;
  private truncated = false;
  private failed = false;
  private readonly coding: Coding | null;
  /** Made when the first piece comes (raw deflate or zlib's is told by its first bytes). */
  private decoder: Decoder | null = null;
  private decoded: Promise<void> = Promise.resolve();
  /** Wire pieces not yet given to the decoder, and their bytes (counted in the thread's heldBytes). */
  private queue: Buffer[] = [];
  private queued = 0;
  /** A piece of this body is being inflated (it holds a turn). */
  private inflating = false;
  /** Decoding is over: the decoded body passed --max-body, the coding was wrong, or the request failed. */
  private done = false;
  /** Called when the last piece given to the decoder has been inflated (end() waits for it). */
  private drained: (() => void) | null = null;
  /** The body has ended: what is queued goes to the decoder however short. */
  private ending = false;

  /**
   * `encoding`: the Content-Encoding header (null for none); `contentType` its charset is read from;
   * `maxBytes`: --max-body, for the wire and for the decoded body alike.
   */
  constructor(
    encoding: string | null,
    private readonly contentType: string | null,
    private readonly maxBytes: number,
  ) {
    this.coding = codingOf(encoding);
  }

  /**
   * A chunk off the wire: 'more' to go on, or 'stop' once the body is past --max-body on the wire. A body
   * whose decoded bytes pass --max-body first (a bomb) stops being decoded, and is read on to its end (or
   * the cap): its wire bytes are few.
   */
  write(chunk: Buffer): 'more' | 'stop' {
    if (this.wireBytes >= this.maxBytes) {
      // Bytes past the cap, even when the cap fell on a chunk's end.
      if (chunk.length > 0) this.truncated = true;
      return 'stop';
    }
    let piece = chunk;
    if (this.wireBytes + chunk.length > this.maxBytes) {
      piece = chunk.subarray(0, this.maxBytes - this.wireBytes);
      this.truncated = true;
    }
    this.wireBytes += piece.length;
    if (!this.coding) this.take(piece);
    else if (this.coding === 'other') this.failed = true;
    else if (!this.done && piece.length > 0) {
      // undici's chunk is a view of its read buffer: copied, a held piece holds only its own bytes.
      this.queue.push(Buffer.from(piece));
      this.queued += piece.length;
      heldBytes += piece.length;
      this.pump();
    }
    return this.truncated && this.wireBytes >= this.maxBytes ? 'stop' : 'more';
  }

  /** Gives what is queued to the decoder when a turn is free (or when waiting would hold too much). */
  pump(): void {
    if (this.inflating || this.queue.length === 0) return;
    if (this.done) return this.dropQueue();
    // Raw deflate or zlib's is told by the first two bytes: a first piece of one waits for the next.
    if (!this.decoder && this.coding === 'deflate' && this.queued < 2 && !this.ending) return;
    if (decoding >= MAX_DECODING && heldBytes <= MAX_HELD_BYTES) {
      if (!waitingToDecode.includes(this)) waitingToDecode.push(this);
      return;
    }
    const index = waitingToDecode.indexOf(this);
    if (index !== -1) waitingToDecode.splice(index, 1);
    const pieces = Buffer.concat(this.queue);
    this.dropQueue();
    decoding++;
    this.inflating = true;
    this.decoder ??= this.startDecoder(pieces);
    this.decoder.write(pieces, () => this.inflated());
  }

  /** The body has ended (or was cut): what it says. */
  async end(): Promise<BodyFacts> {
    if (this.coding) {
      this.ending = true;
      this.pump();
      if (this.done) this.dropQueue();
      if (this.inflating || this.queue.length > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      if (this.decoder && !this.done) this.decoder.end();
      await this.decoded;
    }
    this.abandon();
    return {
      // Nothing to decode (a 204, an empty page said to be gzip) is an empty body.
      sha256: this.failed && this.wireBytes > 0 ? null : this.hash.digest('hex'),
      title: findTitle(Buffer.concat(this.head), this.contentType),
      truncated: this.truncated,
      wireBytes: this.wireBytes,
    };
  }

  /** Stops decoding at once (the request failed, or the body has been read). */
  abandon(): void {
    this.stopDecoding();
    this.dropQueue();
    const index = waitingToDecode.indexOf(this);
    if (index !== -1) waitingToDecode.splice(index, 1);
    this.settleIfIdle();
  }

  private startDecoder(first: Buffer): Decoder {
    const decoder = decoderFor(this.coding as Exclude<Coding, 'other'>, first, false);
    decoder.on('data', (chunk: Buffer) => this.take(chunk));
    this.decoded = new Promise<void>((resolve) => {
      decoder.on('end', resolve);
      decoder.on('close', resolve);
      // A body that is not what its coding says (or is cut short) still has a status: only its facts are lost.
      decoder.on('error', () => {
        if (!this.truncated) this.failed = true;
        this.stopDecoding();
        resolve();
      });
    });
    return decoder;
  }

  /** One piece is inflated (or will not be): the turn goes on, and end() hears when nothing is left. */
  private inflated(): void {
    if (!this.inflating) return;
    this.inflating = false;
    passTurn();
    this.pump();
    this.settleIfIdle();
  }

  /** Nothing inflating or queued any more: end() may go on. */
  private settleIfIdle(): void {
    if (this.inflating || this.queue.length > 0 || !this.drained) return;
    const drained = this.drained;
    this.drained = null;
    drained();
  }

  private stopDecoding(): void {
    this.done = true;
    this.decoder?.destroy();
    // A destroyed stream may never call the write's callback.
    this.inflated();
    this.dropQueue();
    this.settleIfIdle();
  }

  private dropQueue(): void {
    heldBytes -= this.queued;
    this.queue = [];
    this.queued = 0;
  }

  private take(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.decodedBytes + chunk.length > this.maxBytes) {
      chunk = chunk.subarray(0, this.maxBytes - this.decodedBytes);
      this.truncated = true;
      // A bomb: stop inflating now, not when the wire ends.
      this.stopDecoding();
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
