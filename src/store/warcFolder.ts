// The WARC files of a sweep that stores bodies: a folder beside the database (`crawl.db` → `crawl.warc/`),
// files named after it (`crawl-00000.warc.gz`). Workers only ever append to files of their own; here the
// coordinator makes the folder agree with the database before and after a sweep: what no row names (records
// of URLs whose rows were lost in a crash, a record torn by it) is cut off, so a resumed line stores its body
// once and every row's record is whole.
import { mkdirSync, readdirSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { WarcTarget } from '../messages.js';
import { VERSION } from '../version.js';

export function warcTarget(dbPath: string, maxBytes: number): WarcTarget {
  const db = resolve(dbPath);
  const prefix = basename(db, extname(db));
  return { dir: join(dirname(db), `${prefix}.warc`), relativeDir: `${prefix}.warc`, prefix, maxBytes, software: `urlsweep/${VERSION}` };
}

/** Records waiting for their body in a file of their own (workers/warc/record.ts) are named so. */
export const SPILL_PREFIX = '.spill-';

export const warcFileName = (prefix: string, serial: number): string => `${prefix}-${String(serial).padStart(5, '0')}.warc.gz`;

/** The serial of one of the sweep's file names, or null for any other file. */
export function warcSerial(prefix: string, name: string): number | null {
  if (!name.startsWith(`${prefix}-`)) return null;
  const match = /^(\d{5,})\.warc\.gz$/.exec(name.slice(prefix.length + 1));
  return match ? Number(match[1]) : null;
}

export interface Trimmed {
  /** Files no row names (and records' spill files a crash left), removed. */
  removed: number;
  /** Bytes cut from the ends of files past their last named record. */
  cutBytes: number;
}

/**
 * Cuts each file back to the end of the last record a row names (in `results` or `results_history`) and
 * removes the files none names. Rows name a prefix of each file's records: a thread appends a record
 * before it sends its row, and rows are stored in the order they come.
 */
export function trimToReferenced(db: Database.Database, target: WarcTarget): Trimmed {
  mkdirSync(target.dir, { recursive: true });
  const ends = new Map<string, number>();
  const sql = `SELECT warc_file AS file, MAX(warc_offset + warc_length) AS end FROM %T WHERE warc_file IS NOT NULL GROUP BY warc_file`;
  for (const table of ['results', 'results_history']) {
    for (const { file, end } of db.prepare(sql.replace('%T', table)).all() as Array<{ file: string; end: number }>) {
      ends.set(file, Math.max(end, ends.get(file) ?? 0));
    }
  }
  const trimmed: Trimmed = { removed: 0, cutBytes: 0 };
  for (const name of readdirSync(target.dir)) {
    const path = join(target.dir, name);
    // No thread is writing now: a spill file is a crashed thread's.
    if (name.startsWith(SPILL_PREFIX)) {
      unlinkSync(path);
      trimmed.removed++;
      continue;
    }
    if (warcSerial(target.prefix, name) === null) continue;
    const end = ends.get(`${target.relativeDir}/${name}`);
    if (end === undefined) {
      unlinkSync(path);
      trimmed.removed++;
      continue;
    }
    const size = statSync(path).size;
    if (size > end) {
      truncateSync(path, end);
      trimmed.cutBytes += size - end;
    }
  }
  return trimmed;
}
