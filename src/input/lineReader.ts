// Streams input files (or stdin, `.gz` transparently) as numbered lines with byte offsets, never loading a
// file whole and never holding an over-long line: its bytes are counted and dropped past the cap.
import { createReadStream, statSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { addAbortSignal, type Readable } from 'node:stream';
import { SweepError } from '../result/errors.js';

/** Lines longer than this (in bytes) are not kept: they become `invalid_url` rows. */
export const MAX_LINE_BYTES = 64 * 1024;

export interface InputLine {
  /** 1-based physical line number, counted across all inputs in order. */
  line: number;
  /** The decoded text without the line ending; null when the line was too long or not UTF-8. */
  text: string | null;
  /** Why text is null: a line too long or not text, or a record that could not be read or has no URL field. */
  problem: 'too_long' | 'binary' | 'bad_record' | null;
  /** The first bytes of a rejected line, as a hint for the user; for a bad record, what was wrong with it. */
  preview: string | null;
  /** A spreadsheet or JSON record's other fields, as JSON; null for text lists (and records with no others). */
  source?: string | null;
  /** A record's URL field (spreadsheet and JSON lists): an empty one is an invalid row, not a skipped line. */
  record?: boolean;
  /** Which input this line came from (index into the inputs list). */
  input: number;
  /** Byte offset in that input just after this line's newline; -1 where offsets mean nothing (stdin, `.gz`). */
  offsetAfter: number;
}

/** Shared, cheaply read counters for progress: bytes read of the raw (possibly compressed) inputs. */
export class ReadProgress {
  bytesRead = 0;
  /** Sum of the file sizes; null when any input has no known size (stdin). */
  readonly totalBytes: number | null;
  private readonly sizes: number[];
  constructor(inputs: string[]) {
    this.sizes = inputs.map((path) => (path === '-' ? 0 : statSync(path).size));
    this.totalBytes = inputs.includes('-') ? null : this.sizes.reduce((a, b) => a + b, 0);
  }
  /** A resume that starts in input `input` has read every input before it. */
  skipInputs(input: number): void {
    for (let i = 0; i < input; i++) this.bytesRead += this.sizes[i]!;
  }
  /** Share of the input read so far, 0..1, or null when unknown. */
  get fraction(): number | null {
    return this.totalBytes ? Math.min(1, this.bytesRead / this.totalBytes) : null;
  }
}

function isGzip(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** An input as a stream of bytes: a file from `start`, or stdin; `.gz` decompressed; raw bytes counted in `progress`. */
export function open(path: string, progress: ReadProgress, start: number, signal: AbortSignal | undefined): Readable {
  const raw: Readable = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20, start });
  // Stopping must not wait for input that does not come (a stalled pipe, a hung network share).
  if (signal) addAbortSignal(signal, raw);
  progress.bytesRead += start;
  raw.on('data', (chunk: Buffer) => {
    progress.bytesRead += chunk.length;
  });
  if (!isGzip(path)) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** Where to start reading: just after `line`, which ends at `offset` of input number `input`. */
export interface StartPoint {
  line: number;
  input: number;
  offset: number;
}

/** A plain file can be re-opened at an offset; stdin and gzip input must be re-read from the start. */
function canSeek(path: string): boolean {
  return path !== '-' && !isGzip(path);
}

/**
 * Yields the lines (inputs are paths, `-` for stdin) of every input in order, a chunk's worth at a time (batches keep the per-line cost
 * low). Line numbers continue across inputs; a missing final newline still ends a line. Given a start
 * point in a plain file, reading begins there; otherwise from the first line (the caller skips).
 */
export async function* readLines(
  inputs: string[],
  progress: ReadProgress,
  from?: StartPoint,
  signal?: AbortSignal,
): AsyncGenerator<InputLine[]> {
  const seek = from !== undefined && from.line > 0 && from.offset >= 0 && from.input < inputs.length && canSeek(inputs[from.input]!);
  let line = seek ? from.line : 0;
  if (seek) progress.skipInputs(from.input);
  for (let input = seek ? from.input : 0; input < inputs.length; input++) {
    const path = inputs[input]!;
    const offsets = canSeek(path);
    let position = seek && input === from.input ? from.offset : 0; // bytes of this input before the current chunk
    let carry: Buffer[] = []; // the current line's bytes from earlier chunks (or its preview once too long)
    let carryBytes = 0;
    let pending = false; // the current line has at least one byte
    let tooLong = false;

    const add = (piece: Buffer): void => {
      if (piece.length > 0) pending = true;
      if (tooLong) return;
      if (carryBytes + piece.length > MAX_LINE_BYTES) {
        tooLong = true;
        carry = [Buffer.concat([...carry, piece]).subarray(0, 100)];
        return;
      }
      carry.push(Buffer.from(piece)); // copy: the stream may reuse the chunk's memory
      carryBytes += piece.length;
    };

    const finish = (endOffset: number): InputLine => {
      line++;
      const record: InputLine = { line, text: null, problem: null, preview: null, input, offsetAfter: offsets ? endOffset : -1 };
      const bytes = carry.length === 1 ? carry[0]! : Buffer.concat(carry);
      if (tooLong) {
        record.problem = 'too_long';
        record.preview = preview(bytes);
      } else {
        const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
        const body = bytes.subarray(0, end);
        if (body.includes(0) || !isUtf8(body)) {
          record.problem = 'binary';
          record.preview = preview(body);
        } else {
          record.text = body.toString('utf8');
        }
      }
      carry = [];
      carryBytes = 0;
      pending = false;
      tooLong = false;
      return record;
    };

    const chunks = open(path, progress, position, signal)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const next = await chunks.next().catch((err: NodeJS.ErrnoException) => {
          if (err.name === 'AbortError') throw err;
          // EACCES, EIO, a corrupt .gz (Z_DATA_ERROR): said in one line; what was read so far is saved.
          throw new SweepError(`cannot read ${path === '-' ? 'stdin' : path}: ${err.message}${err.code ? ` (${err.code})` : ''}`);
        });
        if (next.done) break;
        const chunk = next.value;
        const out: InputLine[] = [];
        let start = 0;
        let nl: number;
        while ((nl = chunk.indexOf(10, start)) !== -1) {
          add(chunk.subarray(start, nl));
          out.push(finish(position + nl + 1));
          start = nl + 1;
        }
        add(chunk.subarray(start));
        position += chunk.length;
        if (out.length > 0) yield out;
      }
    } finally {
      // The consumer may stop early (an interrupt): close the file, or stdin would keep the process alive.
      chunks.return?.().catch(() => {});
    }
    if (pending) yield [finish(position)];
  }
}

export function preview(bytes: Buffer): string {
  const head = bytes.subarray(0, 100);
  // Show bytes a terminal can print; replace the rest so a stored preview never carries control codes.
  return head.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}
