// `urlsweep merge OUT.db SHARD.db…`: the databases of a sweep's shares (--shard I/N) made into one that
// reads like a single run. Checked first: every one a share of the same input, read the same way, out of
// the same N, no share twice, each finished (--partial merges what is there and says what is missing).
// The rows are copied by SQLite itself (ATTACH, INSERT … SELECT), so memory does not grow with them. The
// database is built under a temporary name and renamed when whole: a merge stopped halfway leaves no OUT,
// and running it again starts over.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../result/errors.js';
import { difference, type InputIdentity } from '../input/inputIdentity.js';
import { RESULT_COLUMNS, ResultStore } from '../store/resultStore.js';
import { parseShard, type Shard } from '../options/shard.js';
import { VERSION } from '../version.js';

export interface MergeOptions {
  out: string;
  shards: string[];
  /** Merge the shares there are, finished or not, and record which are missing. */
  partial: boolean;
}

export interface MergeSummary {
  rows: number;
  /** Shares (`I/N`) merged, and those missing from a --partial merge. */
  merged: string[];
  missing: string[];
  /** Shares merged that had not finished (--partial). */
  unfinished: string[];
}

interface ShareInfo {
  path: string;
  shard: Shard;
  inputs: InputIdentity[];
  read: string;
  finished: boolean;
  rows: number;
}

export function mergeShards({ out, shards, partial }: MergeOptions): MergeSummary {
  if (shards.length === 0) throw new UsageError('name the shares to merge: urlsweep merge OUT.db SHARD.db…');
  if (existsSync(out)) throw new UsageError(`${out} exists: merge writes a new database (remove it, or name another)`);
  const shares = shards.map(describe);
  const count = shares[0]!.shard.count;
  const byIndex = new Map<number, ShareInfo>();
  for (const share of shares) {
    if (share.shard.count !== count) throw new UsageError(`${share.path} is a share of ${share.shard.count}, ${shares[0]!.path} of ${count}: merge shares of one sweep`);
    const twin = byIndex.get(share.shard.index);
    if (twin) throw new UsageError(`${twin.path} and ${share.path} are both share ${share.shard.index}/${count}`);
    const why = difference(shares[0]!.inputs, share.inputs);
    if (why) throw new UsageError(`${share.path} swept other input than ${shares[0]!.path} (${why})`);
    if (share.read !== shares[0]!.read) throw new UsageError(`${share.path} read the input as ${share.read}, ${shares[0]!.path} as ${shares[0]!.read}`);
    byIndex.set(share.shard.index, share);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i)).map((i) => `${i}/${count}`);
  const unfinished = shares.filter((s) => !s.finished);
  if (!partial && missing.length > 0) throw new UsageError(`shares missing: ${missing.join(', ')} (--partial merges those given)`);
  if (!partial && unfinished.length > 0) {
    throw new UsageError(`not finished: ${unfinished.map((s) => `${s.path} (share ${s.shard.index}/${count})`).join(', ')}: run their sweeps to the end, or merge with --partial`);
  }

  const building = `${out}.merging`;
  for (const f of [building, `${building}-wal`, `${building}-shm`]) rmSync(f, { force: true });
  const store = new ResultStore(building);
  try {
    const ordered = [...byIndex.values()].sort((a, b) => a.shard.index - b.shard.index);
    store.beginRun(ordered[0]!.inputs, { merged: ordered.map((s) => ({ db: s.path, shard: `${s.shard.index}/${count}`, rows: s.rows, finished: s.finished })), missing, partial }, VERSION, { line: 0, input: 0, offset: 0 });
    for (const share of ordered) copy(store.db, share, out);
    store.recount();
    store.buildIndexes();
    store.endRun('finished');
    const rows = store.rowCount();
    store.close();
    renameSync(building, out);
    return { rows, merged: ordered.map((s) => `${s.shard.index}/${count}`), missing, unfinished: unfinished.map((s) => `${s.shard.index}/${count}`) };
  } catch (err) {
    store.close();
    throw err;
  }
}

/** What a share's database says of itself (its last run). */
function describe(path: string): ShareInfo {
  if (!existsSync(path)) throw new UsageError(`no database at ${path}`);
  const store = new ResultStore(path);
  try {
    const previous = store.previous();
    if (!previous) throw new UsageError(`${path} holds no sweep`);
    const shard = previous.options.shard;
    if (typeof shard !== 'string') throw new UsageError(`${path} is a sweep of the whole list, not a share of one (--shard I/N)`);
    const read = `${(previous.options.inputFormat as string | undefined) ?? 'text'}${previous.options.column ? ` --column ${previous.options.column as string}` : ''}`;
    return { path, shard: parseShard(shard), inputs: previous.inputs, read, finished: previous.state === 'finished' && store.parkedCount() === 0, rows: previous.rows };
  } finally {
    store.close();
  }
}

/** One share's rows, hops and replaced rows into the merged database; its WARC files named from the merged one's folder. */
function copy(db: Database.Database, share: ShareInfo, out: string): void {
  // warc_file is relative to its database's folder: from the merged database's, the share's folder comes first.
  const fromOut = relative(dirname(resolve(out)), dirname(resolve(share.path)));
  const prefix = fromOut === '' ? '' : `${fromOut.split(sep).join('/')}/`;
  const columns = RESULT_COLUMNS.split(',').map((c) => c.trim());
  const select = columns.map((c) => (c === 'warc_file' ? `CASE WHEN warc_file IS NULL THEN NULL ELSE @prefix || warc_file END` : c)).join(', ');
  db.prepare('ATTACH DATABASE ? AS share').run(share.path);
  try {
    db.transaction(() => {
      db.prepare(`INSERT INTO results (${columns.join(', ')}) SELECT ${select} FROM share.results`).run({ prefix });
      db.prepare('INSERT INTO redirect_hops (line, hop, url, status, location) SELECT line, hop, url, status, location FROM share.redirect_hops').run();
      // Rows a --redo replaced: kept, as replaced by this merge's run (the share's run ids mean nothing here).
      db.prepare(
        `INSERT INTO results_history (replaced_by, ${columns.join(', ')}, hops)
         SELECT (SELECT max(id) FROM main.runs), ${select}, hops FROM share.results_history`,
      ).run({ prefix });
    })();
  } finally {
    db.prepare('DETACH DATABASE share').run();
  }
}
