// `urlsweep body`: one line's stored body to a stream, for scripts. The row names its response record's
// gzip member; that member alone is read. A first pass reads its heads (WARC, then HTTP) to learn the
// body's coding; the second streams the body through its decoder (unless `raw`) to the output, with the
// output's back-pressure all the way: never more than the heads in memory, whatever the body expands to.
import { createReadStream, existsSync, type ReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { QueryError, UsageError } from '../result/errors.js';
import { codingOf, decoderFor } from '../util/contentCoding.js';

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
  const { warc_file: file, warc_offset: offset, warc_length: length } = row;
  if (file === null || offset === null || length === null) {
    throw new QueryError(`line ${line} has no stored body (outcome ${row.outcome}): bodies are stored by a GET sweep with --store-bodies, for URLs that got a response`);
  }
  const path = join(dirname(dbPath), file);
  if (!existsSync(path)) throw new QueryError(`line ${line}'s body is in ${path}, which is not there`);
  const member = () => createReadStream(path, { start: offset, end: offset + length - 1 });
  const fail = (err: Error): never => {
    throw new QueryError(`line ${line}: ${file} at ${offset}: ${err.message}`);
  };
  const heads = await readHeads(member()).catch(fail);
  const coding = raw ? null : codingOf(heads.contentEncoding);
  if (coding === 'other') {
    throw new QueryError(`line ${line}: the body is encoded as "${heads.contentEncoding}", which urlsweep does not decode: --raw writes it as received`);
  }
  const decoder = coding ? [decoderFor(coding, heads.bodyStart, true)] : [];
  await pipeline(member(), createGunzip(), new Slice(heads.headsBytes, heads.bodyBytes), ...decoder, out).catch(fail);
}

interface Heads {
  /** Bytes of the WARC head and the HTTP head, their blank lines included: where the body starts. */
  headsBytes: number;
  bodyBytes: number;
  contentEncoding: string;
  /** The body's first bytes (raw deflate or zlib's is told by them). */
  bodyStart: Buffer;
}

/** Reads a response record's heads off its member, and stops. */
async function readHeads(member: ReadStream): Promise<Heads> {
  let head = Buffer.alloc(0);
  const gunzip = createGunzip();
  member.pipe(gunzip);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      head = Buffer.concat([head, chunk]);
      const warcEnd = head.indexOf('\r\n\r\n');
      const httpEnd = warcEnd === -1 ? -1 : head.indexOf('\r\n\r\n', warcEnd + 4);
      if (httpEnd === -1 || head.length < httpEnd + 6) {
        if (head.length > MAX_HEADS) break;
        continue;
      }
      return headsOf(head, warcEnd, httpEnd);
    }
  } finally {
    member.destroy();
    gunzip.destroy();
  }
  const warcEnd = head.indexOf('\r\n\r\n');
  const httpEnd = warcEnd === -1 ? -1 : head.indexOf('\r\n\r\n', warcEnd + 4);
  if (httpEnd === -1) throw new Error(head.length > MAX_HEADS ? 'no WARC response record here' : 'the record ends before its HTTP head does');
  return headsOf(head, warcEnd, httpEnd);
}

function headsOf(head: Buffer, warcEnd: number, httpEnd: number): Heads {
  const warcHead = head.subarray(0, warcEnd).toString('latin1');
  if (!/^WARC\/1\.[01]\r\n/.test(warcHead) || !/^WARC-Type:\s*response\s*$/im.test(warcHead)) throw new Error('not a WARC response record');
  const length = /^Content-Length:\s*(\d+)\s*$/im.exec(warcHead)?.[1];
  if (length === undefined) throw new Error('the WARC record has no Content-Length');
  const httpHead = head.subarray(warcEnd + 4, httpEnd).toString('latin1');
  return {
    headsBytes: httpEnd + 4,
    bodyBytes: Number(length) - (httpEnd + 4 - (warcEnd + 4)),
    // Every Content-Encoding line, as the hash was taken (src/util/contentCoding.ts).
    contentEncoding: [...httpHead.matchAll(/^Content-Encoding:[ \t]*(.*?)[ \t]*$/gim)].map((m) => m[1]).join(', '),
    bodyStart: head.subarray(httpEnd + 4, httpEnd + 6),
  };
}

/** Passes `keep` bytes after the first `skip` (the record's body, between its heads and its end). */
class Slice extends Transform {
  constructor(
    private skip: number,
    private keep: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const dropped = Math.min(this.skip, chunk.length);
    this.skip -= dropped;
    const piece = chunk.subarray(dropped, dropped + Math.max(0, this.keep));
    this.keep -= piece.length;
    done(null, piece.length > 0 ? piece : undefined);
  }

  override _flush(done: TransformCallback): void {
    done(this.keep > 0 ? new Error(`the record ends ${this.keep} bytes before its body does`) : null);
  }
}
