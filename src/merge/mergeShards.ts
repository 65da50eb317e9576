// `urlsweep merge OUT.db SHARD.db…`: the databases of a sweep's shares (--shard I/N) made into one that
// reads like a single run. Checked first: every one a share of the same input (the same files by size and
// content, wherever each machine kept its copy), read the same way, out of the same N, no share twice, each
// finished (--partial merges what is there and records what is missing or unfinished). The shares are only
// read. The rows are copied by SQLite itself (ATTACH, INSERT … SELECT), so memory does not grow with them.
// The database is built under a temporary name, without a journal, and renamed when whole: a merge stopped
// halfway leaves no OUT, and running it again starts over.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, UsageError } from '../result/errors.js';
import type { InputIdentity } from '../input/inputIdentity.js';
import { RESULT_COLUMNS, ResultStore } from '../store/resultStore.js';
import { SCHEMA_VERSION } from '../store/schema.js';
import { parseShard, type Shard } from '../options/shard.js';
import { VERSION } from '../version.js';
import { readAs } from '../sweep/runPlan.js';

export interface MergeOptions {
  out: string;
  shards: string[];
  /** Merge the shares there are, finished or not, and record which are missing or unfinished. */
  partial: boolean;
}

export interface MergeSummary {
  rows: number;
  /** Shares (`I/N`) merged, and those missing from a --partial merge. */
  merged: string[];
  missing: string[];
  /** Shares merged that had not finished (--partial): their URLs parked, and lines after their checkpoint, have no row. */
  unfinished: Array<{ shard: string; parked: number; checkpointLine: number }>;
}

interface ShareInfo {
  path: string;
  shard: Shard;
  inputs: InputIdentity[];
  /** Its last run's recorded options (how the input was read, the settings). */
  options: Record<string, unknown>;
  finished: boolean;
  parked: number;
  checkpointLine: number;
  rows: number;
}

const shardName = (s: ShareInfo): string => `${s.shard.index}/${s.shard.count}`;

export function mergeShards({ out, shards, partial }: MergeOptions): MergeSummary {
  if (shards.length === 0) throw new UsageError('name the shares to merge: urlsweep merge OUT.db SHARD.db…');
  const outExists = (): string | undefined => [out, `${out}-wal`, `${out}-shm`].find((f) => existsSync(f));
  if (outExists()) throw new UsageError(`${outExists()} exists: merge writes a new database (remove it, or name another)`);
  const shares = shards.map(describe);
  const first = shares[0]!;
  const count = first.shard.count;
  const byIndex = new Map<number, ShareInfo>();
  for (const share of shares) {
    if (share.shard.count !== count) throw new UsageError(`${share.path} is a share of ${share.shard.count}, ${first.path} of ${count}: merge shares of one sweep`);
    const twin = byIndex.get(share.shard.index);
    if (twin) throw new UsageError(`${twin.path} and ${share.path} are both share ${shardName(share)}`);
    const why = sameInput(first.inputs, share.inputs);
    if (why) throw new UsageError(`${share.path} swept other input than ${first.path} (${why})`);
    if (readAs(share.options) !== readAs(first.options)) throw new UsageError(`${share.path} read the input as ${readAs(share.options)}, ${first.path} as ${readAs(first.options)}`);
    byIndex.set(share.shard.index, share);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i)).map((i) => `${i}/${count}`);
  const unfinished = shares.filter((s) => !s.finished);
  if (!partial && missing.length > 0) throw new UsageError(`shares missing: ${missing.join(', ')} (--partial merges those given)`);
  if (!partial && unfinished.length > 0) {
    throw new UsageError(`not finished: ${unfinished.map((s) => `${s.path} (share ${shardName(s)})`).join(', ')}: run their sweeps to the end, or merge with --partial`);
  }

  const building = `${out}.merging`;
  for (const f of [building, `${building}-wal`, `${building}-shm`, `${building}-journal`]) rmSync(f, { force: true });
  const store = new ResultStore(building);
  try {
    // Nothing to roll back to: an unfinished file is thrown away whole. No journal, no WAL the size of a share.
    store.db.pragma('journal_mode = OFF');
    store.db.pragma('synchronous = OFF');
    const ordered = [...byIndex.values()].sort((a, b) => a.shard.index - b.shard.index);
    for (const share of ordered) copy(store.db, share, out);
    // The merge's own run comes last: what the database is now. It keeps how the input was read and the
    // settings (a --redo on the merged database reads them), with the shares in place of --shard.
    const { shard: _shard, ...options } = first.options;
    const record = {
      ...options,
      merged: ordered.map((s) => ({ db: s.path, shard: shardName(s), rows: s.rows, finished: s.finished })),
      ...(partial ? { partial: { missing, unfinished: unfinished.map((s) => ({ shard: shardName(s), parked: s.parked, checkpointLine: s.checkpointLine })) } } : {}),
    };
    store.beginRun(first.inputs, record, VERSION, { line: 0, input: 0, offset: 0 });
    store.recount();
    store.buildIndexes();
    store.endRun('finished');
    const rows = store.rowCount();
    store.db.pragma('journal_mode = DELETE');
    store.close();
    if (outExists()) throw new UsageError(`${outExists()} appeared while merging: the merge is left in ${building}`);
    renameSync(building, out);
    return { rows, merged: ordered.map(shardName), missing, unfinished: unfinished.map((s) => ({ shard: shardName(s), parked: s.parked, checkpointLine: s.checkpointLine })) };
  } catch (err) {
    if (store.db.open) store.close();
    throw err;
  }
}

/**
 * Shares of one sweep read the same files: the same number, each of the same size and content. Where each
 * machine kept its copy does not matter (paths differ from one machine to the next).
 */
function sameInput(a: InputIdentity[], b: InputIdentity[]): string | null {
  if (a.length !== b.length) return `${a.length} input(s) against ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.size !== b[i]!.size || a[i]!.fingerprint !== b[i]!.fingerprint) return `input ${i + 1}: ${a[i]!.path} and ${b[i]!.path} differ`;
  }
  return null;
}

/** What a share's database says of itself (its last run), read only: a share on a read-only disk merges too. */
function describe(path: string): ShareInfo {
  if (!existsSync(path)) throw new UsageError(`no database at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreError(`${path} cannot be opened: ${(err as Error).message}`);
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      throw new UsageError(`${path} has schema ${version}, this urlsweep merges schema ${SCHEMA_VERSION}: open it with this version first (urlsweep report ${path})`);
    }
    const run = db.prepare('SELECT state, inputs, options, checkpoint_line FROM runs ORDER BY id DESC LIMIT 1').get() as
      | { state: string; inputs: string; options: string; checkpoint_line: number }
      | undefined;
    if (!run) throw new UsageError(`${path} holds no sweep`);
    const options = JSON.parse(run.options) as Record<string, unknown>;
    if (typeof options.shard !== 'string') throw new UsageError(`${path} is a sweep of the whole list, not a share of one (--shard I/N)`);
    const parked = db.prepare('SELECT count(*) FROM pending').pluck().get() as number;
    const rows = db.prepare('SELECT count(*) FROM results').pluck().get() as number;
    return {
      path,
      shard: parseShard(options.shard),
      inputs: JSON.parse(run.inputs) as InputIdentity[],
      options,
      finished: run.state === 'finished' && parked === 0,
      parked,
      checkpointLine: run.checkpoint_line,
      rows,
    };
  } finally {
    db.close();
  }
}

/**
 * One share's rows, hops and replaced rows into the merged database; its WARC files named from the merged
 * one's folder. The share's runs that replaced rows (--redo) come along with new ids, so a line replaced
 * twice keeps both rows, in order.
 */
function copy(db: Database.Database, share: ShareInfo, out: string): void {
  // warc_file is relative to its database's folder: from the merged database's, the share's folder comes first.
  const fromOut = relative(dirname(resolve(out)), dirname(resolve(share.path)));
  const prefix = fromOut === '' ? '' : `${fromOut.split(sep).join('/')}/`;
  const columns = RESULT_COLUMNS.split(',').map((c) => c.trim());
  const select = columns.map((c) => (c === 'warc_file' ? `CASE WHEN warc_file IS NULL THEN NULL ELSE @prefix || warc_file END` : c)).join(', ');
  db.prepare('ATTACH DATABASE ? AS share').run(share.path);
  try {
    db.prepare(`INSERT INTO results (${columns.join(', ')}) SELECT ${select} FROM share.results`).run({ prefix });
    db.prepare('INSERT INTO redirect_hops (line, hop, url, status, location) SELECT line, hop, url, status, location FROM share.redirect_hops').run();
    const replacing = db.prepare('SELECT DISTINCT replaced_by FROM share.results_history ORDER BY replaced_by').pluck().all() as number[];
    for (const run of replacing) {
      const copied = db
        .prepare(
          `INSERT INTO runs (started_at, ended_at, state, inputs, options, checkpoint_line, checkpoint_input, checkpoint_offset, urlsweep_version, pid, hostname, results_rows)
           SELECT started_at, ended_at, state, inputs, options, checkpoint_line, checkpoint_input, checkpoint_offset, urlsweep_version, pid, hostname, results_rows
           FROM share.runs WHERE id = ?`,
        )
        .run(run);
      db.prepare(`INSERT INTO results_history (replaced_by, ${columns.join(', ')}, hops) SELECT @id, ${select}, hops FROM share.results_history WHERE replaced_by = @run`).run({
        id: Number(copied.lastInsertRowid),
        run,
        prefix,
      });
    }
  } catch (err) {
    // Two shares with the same line: not shares of one sweep (or of urlsweep versions that share hosts differently).
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      throw new UsageError(`${share.path} holds lines another share holds too: shares of different sweeps, or of urlsweep versions that share hosts differently`);
    }
    throw err;
  } finally {
    db.prepare('DETACH DATABASE share').run();
  }
}
