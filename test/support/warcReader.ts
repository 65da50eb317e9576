// The tests' view of a sweep's WARC files, through an independent reader (warc_check.py: Python's zlib and
// hashlib, no code shared with the writer). Reading fails the test unless every record of every file is
// whole (one gzip member each, lengths and digests right) and every row's span is exactly one record.
// And one record read alone by warcio.js, the parser replay tools (ReplayWeb.page) are built on.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { WARCParser } from 'warcio';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from './cli.js';

export interface CheckedRecord {
  offset: number;
  length: number;
  type: string;
  uri: string | null;
  id: string;
  concurrent_to: string | null;
  truncated: string | null;
  /** For HTTP records: the head (status or request line and header lines, without the blank line). */
  http_head?: string;
  /** For HTTP records: SHA-256 (hex) of the payload, the body as stored. */
  payload_sha256?: string;
}

export interface StoredRow {
  line: number;
  final_url: string | null;
  warc_file: string | null;
  warc_offset: number | null;
  warc_length: number | null;
}

export interface WarcReadBack {
  /** Every record of every file, by the file's name as rows give it (`crawl.warc/crawl-00000.warc.gz`). */
  files: Map<string, CheckedRecord[]>;
  rows: StoredRow[];
  /** The response record a row names, and the request record just before it. */
  stored(row: StoredRow): { response: CheckedRecord; request: CheckedRecord };
}

export function readBackWarc(dbPath: string): WarcReadBack {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT line, final_url, warc_file, warc_offset, warc_length FROM results ORDER BY line').all() as StoredRow[];
  db.close();
  const base = dirname(dbPath);
  const folder = dbPath.replace(/\.[^./]*$/, '') + '.warc';
  const relative = folder.slice(base.length + 1);
  const files = new Map<string, CheckedRecord[]>();
  for (const name of readdirSync(folder).sort()) {
    // Empty: begun as its thread was stopped (or failed to write), holding nothing.
    if (statSync(join(folder, name)).size === 0) continue;
    const file = `${relative}/${name}`;
    const spans = rows.filter((r) => r.warc_file === file).map((r) => `${r.warc_offset}:${r.warc_length}`);
    const out = execFileSync('python3', [join(ROOT, 'test/support/warc_check.py'), join(base, file), ...spans], { encoding: 'utf8', maxBuffer: 256 << 20 });
    files.set(file, out.trim().split('\n').map((l) => JSON.parse(l) as CheckedRecord));
  }
  return {
    files,
    rows,
    stored(row) {
      if (!row.warc_file) throw new Error(`line ${row.line} names no record`);
      const records = files.get(row.warc_file) ?? [];
      const at = records.findIndex((c) => c.offset === row.warc_offset && c.length === row.warc_length);
      if (at < 1) throw new Error(`line ${row.line}: no record at ${row.warc_file} ${row.warc_offset}:${row.warc_length}`);
      return { response: records[at]!, request: records[at - 1]! };
    },
  };
}

/** The record a row names, read alone (its gzip member only) by warcio.js: type, URI, status and payload hash. */
export async function readWithWarcio(dbPath: string, row: StoredRow): Promise<Array<{ type: string; uri: string | null; status: number | null; payloadSha256: string }>> {
  const path = join(dirname(dbPath), row.warc_file!);
  const parser = new WARCParser(createReadStream(path, { start: row.warc_offset!, end: row.warc_offset! + row.warc_length! - 1 }));
  const records = [];
  for await (const record of parser) {
    const payload = await record.readFully(false);
    records.push({
      type: record.warcType ?? '',
      uri: record.warcTargetURI ?? null,
      status: record.httpHeaders?.statusCode === undefined ? null : Number(record.httpHeaders.statusCode),
      payloadSha256: createHash('sha256').update(payload).digest('hex'),
    });
  }
  return records;
}
