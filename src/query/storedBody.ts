// `urlsweep body`: one line's stored body to a stream, for scripts. The row names its response record's
// gzip member; that member alone is read, gunzipped and parsed as it streams (WARC head, HTTP head, then
// the body), and the body's content coding is removed unless `raw`. Never more than the heads in memory.
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { codingOf, decoderFor, type Coding, type Decoder } from '../util/contentCoding.js';
import Database from 'better-sqlite3';
import { QueryError, UsageError } from '../result/errors.js';

/** WARC and HTTP heads longer than this are not ours: the record is not what the row says. */
const MAX_HEADS = 1024 * 1024;

interface Stored {
  outcome: string;
  warc_file: string | null;
  warc_offset: number | null;
  warc_length: number | null;
}

export interface BodyOptions {
  db: string;
  line: number;
  /** As received: the content coding (gzip, br, …) left on. */
  raw: boolean;
}

export async function writeStoredBody({ db: dbPath, line, raw }: BodyOptions, out: NodeJS.WritableStream): Promise<void> {
  if (!existsSync(dbPath)) throw new UsageError(`no database at ${dbPath}`);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  let row: Stored | undefined;
  try {
    row = db.prepare('SELECT outcome, warc_file, warc_offset, warc_length FROM results WHERE line = ?').get(line) as Stored | undefined;
  } catch (err) {
    throw new QueryError(`${(err as Error).message} (is ${dbPath} a sweep database of this version?)`);
  } finally {
    db.close();
  }
  if (!row) throw new QueryError(`line ${line} has no row in ${dbPath}`);
  if (row.warc_file === null || row.warc_offset === null || row.warc_length === null) {
    throw new QueryError(`line ${line} has no stored body (outcome ${row.outcome}): bodies are stored by a GET sweep with --store-bodies, for URLs that got a response`);
  }
  const path = join(dirname(dbPath), row.warc_file);
  if (!existsSync(path)) throw new QueryError(`line ${line}'s body is in ${path}, which is not there`);
  await pipeline(createReadStream(path, { start: row.warc_offset, end: row.warc_offset + row.warc_length - 1 }), createGunzip(), new RecordBody(raw), out).catch(
    (err: Error) => {
      throw new QueryError(`line ${line}: ${row.warc_file} at ${row.warc_offset}: ${err.message}`);
    },
  );
}

/**
 * A response record in, its HTTP body out: the WARC head and the HTTP head are read and dropped, and the
 * body's content coding removed (unless raw).
 */
class RecordBody extends Transform {
  private head = Buffer.alloc(0);
  /** Bytes of the body still to pass (the block's length less the HTTP head); null until the heads are read. */
  private left: number | null = null;
  /** The body's coding, to be undone (null: none, or --raw); its decoder is made with the first bytes. */
  private coding: Exclude<Coding, 'other'> | null = null;
  private decoder: Decoder | null = null;

  constructor(private readonly raw: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.left === null) {
      this.head = Buffer.concat([this.head, chunk]);
      const warcEnd = this.head.indexOf('\r\n\r\n');
      const httpEnd = warcEnd === -1 ? -1 : this.head.indexOf('\r\n\r\n', warcEnd + 4);
      if (httpEnd === -1) {
        return done(this.head.length > MAX_HEADS ? new Error('no WARC response record here') : null);
      }
      const warcHead = this.head.subarray(0, warcEnd).toString('latin1');
      if (!/^WARC\/1\.[01]\r\n/.test(warcHead) || !/^WARC-Type:\s*response\s*$/im.test(warcHead)) return done(new Error('not a WARC response record'));
      const length = /^Content-Length:\s*(\d+)\s*$/im.exec(warcHead)?.[1];
      if (length === undefined) return done(new Error('the WARC record has no Content-Length'));
      const httpHead = this.head.subarray(warcEnd + 4, httpEnd).toString('latin1');
      // Every Content-Encoding line, as the hash was taken (src/util/contentCoding.ts).
      const encoding = [...httpHead.matchAll(/^Content-Encoding:[ \t]*(.*?)[ \t]*$/gim)].map((m) => m[1]).join(', ');
      const coding = this.raw ? null : codingOf(encoding);
      if (coding === 'other') return done(new Error(`the body is encoded as "${encoding}", which urlsweep does not decode: --raw writes it as received`));
      this.coding = coding;
      this.left = Number(length) - (httpEnd + 4 - (warcEnd + 4));
      chunk = this.head.subarray(httpEnd + 4);
      this.head = Buffer.alloc(0);
    }
    const piece = chunk.subarray(0, Math.max(0, this.left));
    this.left -= piece.length;
    if (piece.length === 0) return done();
    if (!this.coding) {
      this.push(piece);
      return done();
    }
    if (!this.decoder) {
      this.decoder = decoderFor(this.coding, piece, true);
      this.decoder.on('data', (decoded: Buffer) => this.push(decoded));
      this.decoder.on('error', (err) => this.destroy(err));
    }
    if (this.decoder.write(piece)) done();
    else this.decoder.once('drain', () => done());
  }

  override _flush(done: TransformCallback): void {
    if (this.left === null) return done(new Error('the record ends before its HTTP head does'));
    if (this.left > 0) return done(new Error(`the record ends ${this.left} bytes before its body does`));
    if (!this.decoder) return done();
    this.decoder.once('end', () => done());
    this.decoder.end();
  }
}
