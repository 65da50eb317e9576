// Sketch of the per-worker writer: one open WARC file per worker thread, appended with fs.writeSync (so the
// bytes are in the kernel before the result row is posted to the coordinator), rotated at a size, a warcinfo
// record first in each file, a request+response pair never split across files.
import fs from 'node:fs'; import path from 'node:path';
import { BufferedGzip, recordId } from './handwarc.mjs';

export class WarcFile {
  constructor({ dir, prefix, maxBytes = 2 ** 30, software = 'urlsweep' }) {
    Object.assign(this, { dir, prefix, maxBytes, software }); this.seq = 0; this.fd = null; this.size = 0;
  }
  #open() {
    const name = `${this.prefix}-${String(this.seq++).padStart(5, '0')}.warc.gz`;
    this.fd = fs.openSync(path.join(this.dir, name), 'wx');           // never reuse/append to an old file
    this.name = name; this.size = 0;
    const info = new BufferedGzip(); info.data(Buffer.from(`software: ${this.software}\r\nformat: WARC File Format 1.1\r\n`));
    this.#write(info.finish([['WARC-Type', 'warcinfo'], ['WARC-Record-ID', recordId()], ['WARC-Date', new Date().toISOString()], ['WARC-Filename', name], ['Content-Type', 'application/warc-fields']]));
  }
  #write(buf) { let o = 0; while (o < buf.length) o += fs.writeSync(this.fd, buf, o, buf.length - o); const at = this.size; this.size += buf.length; return at; }
  /** Appends whole gzip members (e.g. [request, response]); returns where the last one is. */
  append(members) {
    const total = members.reduce((a, m) => a + m.length, 0);
    if (this.fd === null || (this.size + total > this.maxBytes && this.size > 0)) { this.close(); this.#open(); }
    let at = 0; for (const m of members) at = this.#write(m);
    return { file: this.name, offset: at, length: members[members.length - 1].length };
  }
  close() { if (this.fd !== null) { fs.closeSync(this.fd); this.fd = null; } }
}

/** On resume (or when a worker died): cut a file back to the end of the last member the database refers to. */
export function trimToReferenced(file, maxReferencedEnd) {
  const size = fs.statSync(file).size;
  if (size > maxReferencedEnd) fs.truncateSync(file, maxReferencedEnd);
  return size - maxReferencedEnd;
}
