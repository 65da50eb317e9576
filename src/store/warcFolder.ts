// The WARC files of a sweep that stores bodies: a folder beside the database (`crawl.db` → `crawl.warc/`),
// files named after it (`crawl-00000.warc.gz`). Workers only ever append to files of their own; here the
// coordinator makes the folder agree with the database before and after a sweep: what no row names (records
// of URLs whose rows were lost in a crash, a record torn by it) is cut off, so a resumed line stores its body
// once and every row's record is whole. Only the database's own files are touched (their warcinfo names it).
import { closeSync, mkdirSync, openSync, readdirSync, readSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { WarcTarget } from '../messages.js';
import { VERSION } from '../version.js';

/** The folder beside a database, and its files' prefix: `crawl.db` → `crawl.warc/crawl-…`. */
export function warcFolderOf(dbPath: string): Pick<WarcTarget, 'dir' | 'relativeDir' | 'prefix'> {
  const db = resolve(dbPath);
  const prefix = basename(db, extname(db));
  return { dir: join(dirname(db), `${prefix}.warc`), relativeDir: `${prefix}.warc`, prefix };
}

/** `owner`: the database's id (ResultStore.id()). */
export function warcTarget(dbPath: string, maxBytes: number, owner: string): WarcTarget {
  return { ...warcFolderOf(dbPath), owner, maxBytes, software: `urlsweep/${VERSION}` };
}

/** The warcinfo field naming the database a file belongs to. */
export const OWNER_FIELD = 'urlsweep-database-id';

/**
 * Whether a file is this database's: its warcinfo, which comes first and is stored uncompressed
 * (workers/warc/record.ts wholeRecord), names the owner. An empty file (made as its thread stopped, or
 * just made by another database's thread) cannot be told, and is left alone.
 */
function ownerOf(path: string, owner: string): 'ours' | 'another' | 'empty' {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0) return 'empty';
    return head.subarray(0, n).includes(`${OWNER_FIELD}: ${owner}\r\n`) ? 'ours' : 'another';
  } finally {
    closeSync(fd);
  }
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
  /** Files of another database (a `crawl.sqlite` beside this `crawl.db`), left alone (as are empty ones). */
  foreign: number;
  /** Files that end before the last record rows name (lost from the disk: a power cut), by name. */
  short: string[];
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
  const trimmed: Trimmed = { removed: 0, cutBytes: 0, foreign: 0, short: [] };
  for (const name of readdirSync(target.dir)) {
    const path = join(target.dir, name);
    // None of this database's threads is writing now: its spill files are a crashed thread's.
    if (name.startsWith(`${SPILL_PREFIX}${target.owner}-`)) {
      unlinkSync(path);
      trimmed.removed++;
      continue;
    }
    if (warcSerial(target.prefix, name) === null) continue;
    const owner = ownerOf(path, target.owner);
    if (owner !== 'ours') {
      if (owner === 'another') trimmed.foreign++;
      continue;
    }
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
    } else if (size < end) trimmed.short.push(name);
  }
  return trimmed;
}
