// The single writer: every result of a sweep goes through here into SQLite, in batched transactions
// that also carry the checkpoint, so a committed checkpoint never points past a missing row.
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ResultRow } from '../messages.js';
import { StoreError } from '../result/errors.js';
import type { InputIdentity } from '../input/inputIdentity.js';
import { INDEX_SQL, MIGRATIONS, SCHEMA_SQL, SCHEMA_VERSION, VIEWS_SQL, type MigrationDb } from './schema.js';

export type RunState = 'running' | 'finished' | 'interrupted' | 'failed';

export interface Checkpoint {
  line: number;
  input: number;
  offset: number;
}

export interface PreviousSweep {
  state: RunState;
  inputs: InputIdentity[];
  options: Record<string, unknown>;
  checkpoint: Checkpoint;
  /** The process and machine of the last run: while it lives, the database is in use. */
  pid: number | null;
  hostname: string | null;
  /** Rows recorded so far. */
  rows: number;
  /** Some run of this sweep finished: its input has been read to the end. */
  finishedBefore: boolean;
}

/** Rows per INSERT: one statement call per 64 rows costs far less than 64 calls (25 columns, 1600 values). */
const ROWS_PER_STATEMENT = 64;

/** The columns of `results` in insert order; `results_history` holds the same ones. */
export const RESULT_COLUMNS = `line, url, host, outcome, status, error_code, error_message, final_url,
    redirects, method, attempts, remote_ip, content_type, content_length, elapsed_ms, checked_at, throttled, source,
    body_sha256, title, headers, truncated, warc_file, warc_offset, warc_length`;
const RESULT_COLUMN_COUNT = RESULT_COLUMNS.split(',').length;

function insertSql(rows: number): string {
  const one = `(${Array(RESULT_COLUMN_COUNT).fill('?').join(', ')})`;
  return `INSERT OR REPLACE INTO results (${RESULT_COLUMNS}) VALUES ${Array(rows).fill(one).join(', ')}`;
}

function pushValues(values: unknown[], r: ResultRow): unknown[] {
  values.push(
    r.line, r.url, r.host, r.outcome, r.status, r.error_code, r.error_message, r.final_url,
    r.redirects, r.method, r.attempts, r.remote_ip, r.content_type, r.content_length, r.elapsed_ms, r.checked_at, r.throttled, r.source ?? null,
    r.body_sha256 ?? null, r.title ?? null, r.headers ?? null, r.truncated ?? 0, r.warc_file ?? null, r.warc_offset ?? null, r.warc_length ?? null,
  );
  return values;
}

/** A URL parked in `pending`: its place in the parking order, its line, host and text (and its record's other fields). */
export interface Parked {
  seq: number;
  line: number;
  host: string;
  url: string;
  source: string | null;
}

/** One transaction's worth: URLs parked, results recorded, parked URLs whose results these are, and the checkpoint. */
interface Batch {
  parked: Parked[];
  rows: ResultRow[];
  unparked: number[];
  checkpoint: Checkpoint | null;
}

export class ResultStore {
  readonly db: Database.Database;
  private runId = 0;
  private readonly insertResult: Database.Statement;
  private readonly insertResults: Database.Statement;
  private readonly insertHop: Database.Statement;
  private readonly updateCheckpoint: Database.Statement;
  private readonly countRows: Database.Statement;
  private readonly insertParked: Database.Statement;
  private readonly deleteParked: Database.Statement;
  private readonly writeBatchTx: (batch: Batch) => void;

  constructor(readonly path: string) {
    if (!existsSync(dirname(path))) throw new StoreError(`database ${path} cannot be opened: folder ${dirname(path)} does not exist`);
    try {
      this.db = new Database(path);
    } catch (err) {
      throw asStoreError(err, path);
    }
    try {
      // Checked before anything is written: a database that is refused stays as it was.
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreError(`${path} was written by a newer urlsweep (schema ${version}, this one knows ${SCHEMA_VERSION})`);
      }
      if (version === 0 && this.hasForeignTables()) {
        throw new StoreError(`${path} is an SQLite database but not a urlsweep one; choose another --db`);
      }
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('cache_size = -16384'); // 16 MiB: rows arrive in about line order, a bigger cache buys nothing
      this.db.transaction(() => {
        for (let v = version; v > 0 && v < SCHEMA_VERSION; v++) MIGRATIONS[v]!(this.migrationDb());
        this.db.exec(SCHEMA_SQL);
        this.db.exec(VIEWS_SQL);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } catch (err) {
      this.db.close();
      throw asStoreError(err, path);
    }
    this.insertResult = this.db.prepare(insertSql(1));
    this.insertResults = this.db.prepare(insertSql(ROWS_PER_STATEMENT));
    this.insertHop = this.db.prepare(
      'INSERT OR REPLACE INTO redirect_hops (line, hop, url, status, location) VALUES (?, ?, ?, ?, ?)',
    );
    this.updateCheckpoint = this.db.prepare(
      'UPDATE runs SET checkpoint_line = ?, checkpoint_input = ?, checkpoint_offset = ?, results_rows = results_rows + ? WHERE id = ?',
    );
    this.countRows = this.db.prepare('UPDATE runs SET results_rows = results_rows + ? WHERE id = ?');
    this.insertParked = this.db.prepare('INSERT INTO pending (seq, line, host, url, source) VALUES (?, ?, ?, ?, ?)');
    this.deleteParked = this.db.prepare('DELETE FROM pending WHERE line = ?');
    this.writeBatchTx = this.db.transaction(({ parked, rows, unparked, checkpoint }: Batch) => {
      // Parked first: a URL parked and answered within one batch is then inserted and deleted again.
      for (const p of parked) this.insertParked.run(p.seq, p.line, p.host, p.url, p.source);
      let i = 0;
      // Rows added, for the count the run keeps. SQLite counts a REPLACE of an existing line as a change
      // too; lines are recorded once (the frontier sees to it, the REPLACE is a safeguard), and a finished
      // sweep counts its rows again (recount), so a stray duplicate cannot leave the count wrong for good.
      let added = 0;
      for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
        const values: unknown[] = [];
        for (let j = i; j < i + ROWS_PER_STATEMENT; j++) pushValues(values, rows[j]!);
        added += this.insertResults.run(values).changes;
      }
      for (; i < rows.length; i++) added += this.insertResult.run(pushValues([], rows[i]!)).changes;
      for (const r of rows) {
        if (r.hops) r.hops.forEach((h, n) => this.insertHop.run(r.line, n + 1, h.url, h.status, h.location));
      }
      for (const line of unparked) this.deleteParked.run(line);
      if (checkpoint) this.updateCheckpoint.run(checkpoint.line, checkpoint.input, checkpoint.offset, added, this.runId);
      else if (added > 0) this.countRows.run(added, this.runId);
    });
  }

  private migrationDb(): MigrationDb {
    return {
      exec: (sql) => this.db.exec(sql),
      columns: (table) => (this.db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name),
      tables: () => this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    };
  }

  private hasForeignTables(): boolean {
    const row = this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    return row.n > 0;
  }

  /** The database's own id, made when first asked for; kept by --fresh. */
  id(): string {
    this.db.prepare("INSERT OR IGNORE INTO about (name, value) VALUES ('id', ?)").run(randomUUID());
    return this.db.prepare("SELECT value FROM about WHERE name = 'id'").pluck().get() as string;
  }

  /** The sweep this database already holds, if any. */
  previous(): PreviousSweep | null {
    const run = this.db
      .prepare(
        `SELECT state, inputs, options, checkpoint_line, checkpoint_input, checkpoint_offset, pid, hostname
         FROM runs ORDER BY id DESC LIMIT 1`,
      )
      .get() as
      | {
          state: RunState; inputs: string; options: string; checkpoint_line: number; checkpoint_input: number;
          checkpoint_offset: number; pid: number | null; hostname: string | null;
        }
      | undefined;
    if (!run) return null;
    const rows = this.rowCount();
    const finished = this.db.prepare(`SELECT count(*) FROM runs WHERE state = 'finished'`).pluck().get() as number;
    return {
      state: run.state,
      inputs: JSON.parse(run.inputs) as InputIdentity[],
      options: JSON.parse(run.options) as Record<string, unknown>,
      checkpoint: { line: run.checkpoint_line, input: run.checkpoint_input, offset: run.checkpoint_offset },
      pid: run.pid,
      hostname: run.hostname,
      rows,
      finishedBefore: finished > 0,
    };
  }

  /** Rows in `results`, as the last run kept count of them (counted when none did: no run yet, an empty table). */
  rowCount(): number {
    const kept = this.db.prepare('SELECT results_rows FROM runs ORDER BY id DESC LIMIT 1').pluck().get() as number | null | undefined;
    return kept ?? this.countResults();
  }

  private countResults(): number {
    return this.db.prepare('SELECT count(*) FROM results').pluck().get() as number;
  }

  /** Lines from `from` to `to` that have a row or are parked, in order: a resumed sweep does not read them again. */
  linesDone(from: number, to: number): number[] {
    return this.db
      .prepare('SELECT line FROM results WHERE line BETWEEN @from AND @to UNION ALL SELECT line FROM pending WHERE line BETWEEN @from AND @to ORDER BY line')
      .pluck()
      .all({ from, to }) as number[];
  }

  /** The highest line with a row or parked; 0 when there is none. */
  lastLineDone(): number {
    return this.db.prepare('SELECT max(coalesce((SELECT max(line) FROM results), 0), coalesce((SELECT max(line) FROM pending), 0))').pluck().get() as number;
  }

  /** The next free place in the parking order. */
  nextParkingSeq(): number {
    return (this.db.prepare('SELECT coalesce(max(seq), 0) + 1 FROM pending').pluck().get() as number);
  }

  /** URLs parked for one host after place `afterSeq`, in order, at most `limit`. */
  parked(host: string, afterSeq: number, limit: number): Parked[] {
    return this.db.prepare('SELECT seq, line, host, url, source FROM pending WHERE host = ? AND seq > ? ORDER BY seq LIMIT ?').all(host, afterSeq, limit) as Parked[];
  }

  /** Hosts with parked URLs after host `after` (in name order): how many each, and the first one's place. */
  parkedHosts(after: string, limit: number): Array<{ host: string; urls: number; first: number }> {
    return this.db
      .prepare('SELECT host, count(*) AS urls, min(seq) AS first FROM pending WHERE host > ? GROUP BY host ORDER BY host LIMIT ?')
      .all(after, limit) as Array<{ host: string; urls: number; first: number }>;
  }

  parkedCount(): number {
    return this.db.prepare('SELECT count(*) FROM pending').pluck().get() as number;
  }

  /**
   * Sets up a second pass (`--redo`): the rows whose outcome, error code or status is listed move to
   * `results_history` (with their hops), and their lines are parked to be swept again. Returns how many.
   */
  redo(which: string[]): number {
    const statuses = which.filter((w) => /^\d+$/.test(w)).map(Number);
    const names = which.filter((w) => !/^\d+$/.test(w));
    const marks = (n: number): string => (n === 0 ? 'NULL' : Array(n).fill('?').join(', '));
    const match = `(outcome IN (${marks(names.length)}) OR error_code IN (${marks(names.length)}) OR status IN (${marks(statuses.length)}))
      AND outcome <> 'invalid_url'`;
    const args = [...names, ...names, ...statuses];
    const runId = this.runId;
    return this.db.transaction(() => {
      const base = this.nextParkingSeq();
      this.db
        .prepare(
          `INSERT INTO results_history (replaced_by, ${RESULT_COLUMNS}, hops)
           SELECT ?, ${RESULT_COLUMNS.replace(/(\w+)/g, 'r.$1')},
             CASE WHEN r.redirects > 0 THEN (SELECT json_group_array(json_object('hop', hop, 'url', url, 'status', status, 'location', location))
              FROM (SELECT * FROM redirect_hops h WHERE h.line = r.line ORDER BY h.hop)) END
           FROM results r WHERE ${match}`,
        )
        .run(runId, ...args);
      const moved = this.db
        .prepare(`INSERT INTO pending (seq, line, host, url, source) SELECT ? + row_number() OVER (ORDER BY line) - 1, line, host, url, source FROM results WHERE ${match}`)
        .run(base, ...args).changes;
      this.db.exec('DELETE FROM redirect_hops WHERE line IN (SELECT line FROM pending)');
      const removed = this.db.prepare('DELETE FROM results WHERE line IN (SELECT line FROM pending)').run().changes;
      this.db.prepare('UPDATE runs SET results_rows = results_rows - ? WHERE id = ?').run(removed, runId);
      return moved;
    })();
  }

  /** Discards the earlier sweep (`--fresh`). */
  clear(): void {
    this.db.exec('DELETE FROM redirect_hops; DELETE FROM results; DELETE FROM pending; DELETE FROM results_history; DELETE FROM runs;');
  }

  get currentRun(): number {
    return this.runId;
  }

  beginRun(inputs: InputIdentity[], options: object, version: string, from: Checkpoint): void {
    const info = this.db
      .prepare(
        `INSERT INTO runs (started_at, state, inputs, options, checkpoint_line, checkpoint_input, checkpoint_offset,
           urlsweep_version, pid, hostname, results_rows)
         VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(Date.now(), JSON.stringify(inputs), JSON.stringify(options), from.line, from.input, from.offset, version, process.pid, hostname(), this.rowCount());
    this.runId = Number(info.lastInsertRowid);
  }

  /** Runs `fn` holding SQLite's write lock, so two processes cannot both decide to start a run. */
  exclusive<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * One transaction: URLs parked, the rows, the parked URLs those rows answer (their parking places go),
   * and the checkpoint they complete.
   */
  write(rows: ResultRow[], checkpoint: Checkpoint | null, parked: Parked[] = [], unparked: number[] = []): void {
    try {
      this.writeBatchTx({ rows, checkpoint, parked, unparked });
    } catch (err) {
      throw asStoreError(err, this.path);
    }
  }

  endRun(state: RunState): void {
    this.db.prepare('UPDATE runs SET state = ?, ended_at = ? WHERE id = ?').run(state, Date.now(), this.runId);
  }

  buildIndexes(): void {
    this.db.exec(INDEX_SQL);
  }

  /** Counts the rows again, for a finished sweep (on an index: seconds at 100M rows), so the kept count is exact. */
  recount(): void {
    this.db.prepare('UPDATE runs SET results_rows = (SELECT count(*) FROM results) WHERE id = ?').run(this.runId);
  }

  /** The indexes of a finished sweep are there (built when it ended). */
  indexed(): boolean {
    return (this.db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'results_host_down'`).pluck().get() as number) > 0;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Folds the WAL into the database file, so it is one file again for the user to copy.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // A full disk or a lost lock: the WAL stays beside the database, and SQLite reads it next time.
    }
    this.db.close();
  }
}

/** SQLite's failures, said in the user's terms. */
function asStoreError(err: unknown, path: string): Error {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string }).code ?? '';
  const reason: Record<string, string> = {
    SQLITE_NOTADB: 'is not an SQLite database',
    SQLITE_CORRUPT: 'is corrupt',
    SQLITE_FULL: 'cannot grow: the disk is full',
    SQLITE_READONLY: 'is read-only',
    SQLITE_CANTOPEN: 'cannot be opened (does its folder exist, and may it be written?)',
    SQLITE_BUSY: 'is locked by another process',
    SQLITE_IOERR: 'could not be read or written (I/O error)',
  };
  const hit = Object.keys(reason).find((k) => code === k || code.startsWith(k + '_'));
  if (!hit) return err as Error;
  return new StoreError(`database ${path} ${reason[hit]} (${code})`);
}
