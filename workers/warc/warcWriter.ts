// This thread's WARC files: `<folder>/<prefix>-NNNNN.warc.gz`, each begun with a warcinfo record and closed
// at --warc-size. Every thread takes the next free number with an exclusive create, so threads (and a
// resumed sweep) never share or reopen a file and need no coordination. Records are appended with
// writeSync before their row leaves the thread: a row never names a record that is not in the file (the
// kernel has it; a crash of the machine itself is not covered).
import { closeSync, ftruncateSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { WarcTarget } from '../../src/messages.js';
import { OWNER_FIELD, warcFileName, warcSerial } from '../../src/store/warcFolder.js';
import { newRecordId, WarcWriteError, wholeRecord, type Member } from './record.js';

export interface WarcLocation {
  /** The file's name, relative to the database's folder (`crawl.warc/crawl-00000.warc.gz`). */
  file: string;
  offset: number;
  length: number;
}

export class WarcWriter {
  private fd: number | null = null;
  private name = '';
  private size = 0;
  /** Set by the first failed write: every later append fails the same way. */
  private broken: WarcWriteError | null = null;

  constructor(private readonly target: WarcTarget) {}

  /** Appends whole records (a request and its response) to one file; where the last one is. */
  append(members: Member[]): WarcLocation {
    if (this.broken) throw this.broken;
    const [startFile, start] = [this.name, this.size];
    try {
      const total = members.reduce((sum, m) => sum + m.length, 0);
      if (this.fd === null || this.size + total > this.target.maxBytes) this.next();
      let at = 0;
      for (const member of members) at = this.write(member);
      return { file: `${this.target.relativeDir}/${this.name}`, offset: at, length: members[members.length - 1]!.length };
    } catch (err) {
      // What was written of these records goes, so the file ends whole; nothing more is written to it.
      try {
        // A file begun for these records is left empty (holding nothing, it is left alone).
        if (this.fd !== null) ftruncateSync(this.fd, this.name === startFile ? start : 0);
      } catch {
        // The next run's trimming cuts it then.
      }
      this.close();
      this.broken = new WarcWriteError(`cannot write WARC records to ${this.target.relativeDir}/${this.name || '(a new file)'}: ${(err as Error).message}`);
      throw this.broken;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private next(): void {
    this.close();
    this.name = '';
    const { dir, prefix } = this.target;
    let serial = 0;
    for (const entry of readdirSync(dir)) serial = Math.max(serial, (warcSerial(prefix, entry) ?? -1) + 1);
    for (;; serial++) {
      try {
        this.fd = openSync(join(dir, warcFileName(prefix, serial)), 'wx');
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    this.name = warcFileName(prefix, serial);
    this.size = 0;
    const info =
      `software: ${this.target.software}\r\nformat: WARC File Format 1.1\r\n` +
      `conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n${OWNER_FIELD}: ${this.target.owner}\r\n`;
    this.write(
      wholeRecord(
        [
          ['WARC-Type', 'warcinfo'],
          ['WARC-Record-ID', newRecordId()],
          ['WARC-Date', new Date().toISOString()],
          ['WARC-Filename', this.name],
          ['Content-Type', 'application/warc-fields'],
        ],
        Buffer.from(info),
      ),
    );
  }

  private write(member: Member): number {
    const at = this.size;
    for (const piece of member.pieces()) {
      for (let done = 0; done < piece.length; ) done += writeSync(this.fd!, piece, done, piece.length - done);
      this.size += piece.length;
    }
    if (this.size - at !== member.length) throw new Error(`a WARC record of ${member.length} bytes came to ${this.size - at}`);
    return at;
  }
}
