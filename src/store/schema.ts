// The database layout: one database file holds one sweep. Column names are the user-facing contract.
import { FAILURE_SQL, STATUS_CLASS_SQL } from '../result/row.js';

/** Bumped whenever the layout changes; kept in SQLite's `PRAGMA user_version`. */
export const SCHEMA_VERSION = 6;

/** The few statements a migration needs; what each step looks at before it changes anything. */
export interface MigrationDb {
  exec(sql: string): unknown;
  columns(table: string): string[];
  tables(): string[];
}

/** From each older version to the next, run in order. Each step checks what is there, so a half-done one can rerun. */
export const MIGRATIONS: Record<number, (db: MigrationDb) => void> = {
  1: (db) => {
    // The hops table makes way for the `redirects` view (where things go).
    if (db.tables().includes('redirects')) db.exec('ALTER TABLE redirects RENAME TO redirect_hops');
    // Early version-1 databases lack the writer's identity.
    const columns = db.columns('runs');
    if (columns.length > 0 && !columns.includes('pid')) db.exec('ALTER TABLE runs ADD COLUMN pid INTEGER');
    if (columns.length > 0 && !columns.includes('hostname')) db.exec('ALTER TABLE runs ADD COLUMN hostname TEXT');
  },
  2: (db) => {
    // Push-back per URL, for the hosts that rate-limited; pending and results_history come with SCHEMA_SQL.
    const columns = db.columns('results');
    if (columns.length > 0 && !columns.includes('throttled')) db.exec('ALTER TABLE results ADD COLUMN throttled INTEGER NOT NULL DEFAULT 0');
  },
  3: (db) => {
    // Rows kept count of, so a resume need not count them (a scan of the whole table at 100M rows):
    // counted once here, for the latest run, which the next run takes its count from.
    const columns = db.columns('runs');
    if (columns.length > 0 && !columns.includes('results_rows')) {
      db.exec('ALTER TABLE runs ADD COLUMN results_rows INTEGER');
      db.exec('UPDATE runs SET results_rows = (SELECT count(*) FROM results) WHERE id = (SELECT max(id) FROM runs)');
    }
  },
  4: (db) => {
    // Spreadsheet and JSON lists keep each record's other fields with its row, parked or replaced too.
    for (const table of ['results', 'pending', 'results_history']) {
      const columns = db.columns(table);
      if (columns.length > 0 && !columns.includes('source')) db.exec(`ALTER TABLE ${table} ADD COLUMN source TEXT`);
    }
  },
  5: (db) => {
    // What a GET's body says, the final answer's headers, and where its stored body is, kept with each row
    // (and a replaced one).
    for (const table of ['results', 'results_history']) {
      const columns = db.columns(table);
      if (columns.length === 0) continue;
      const added = [['body_sha256', 'TEXT'], ['title', 'TEXT'], ['headers', 'TEXT'], ['truncated', 'INTEGER NOT NULL DEFAULT 0'], ['warc_file', 'TEXT'], ['warc_offset', 'INTEGER'], ['warc_length', 'INTEGER']];
      for (const [name, type] of added) {
        if (!columns.includes(name!)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
      }
    }
  },
};

export const SCHEMA_SQL = `
-- Facts about the database itself: \`id\`, a random name its WARC files carry (--store-bodies), so that
-- making the folder agree with the rows touches no other database's files.
CREATE TABLE IF NOT EXISTS about (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS runs (
  id                INTEGER PRIMARY KEY,
  started_at        INTEGER NOT NULL,          -- unix ms
  ended_at          INTEGER,                   -- unix ms; NULL while running or after a crash
  state             TEXT NOT NULL,             -- running | finished | interrupted | failed
  inputs            TEXT NOT NULL,             -- JSON: the input identity
  options           TEXT NOT NULL,             -- JSON: the options of this run
  checkpoint_line   INTEGER NOT NULL DEFAULT 0, -- every input line up to here has its row
  checkpoint_input  INTEGER NOT NULL DEFAULT 0, -- which input file the next line comes from
  checkpoint_offset INTEGER NOT NULL DEFAULT 0, -- byte offset in that file after checkpoint_line (-1: unknown)
  urlsweep_version  TEXT NOT NULL,
  pid               INTEGER,                   -- the process writing while state = 'running'
  hostname          TEXT,
  results_rows      INTEGER                    -- rows in results as of this run's last commit
);

CREATE TABLE IF NOT EXISTS results (
  line           INTEGER PRIMARY KEY,  -- 1-based physical line in the input, across files (record number for CSV, TSV)
  url            TEXT NOT NULL,        -- the line as written
  host           TEXT,
  outcome        TEXT NOT NULL,        -- response | invalid_url | dns_error | connect_refused | ...
  status         INTEGER,              -- final HTTP status when outcome = 'response'
  error_code     TEXT,                 -- precise code: ENOTFOUND, UND_ERR_HEADERS_TIMEOUT, CERT_HAS_EXPIRED, ...
  error_message  TEXT,
  final_url      TEXT,                 -- the URL that gave the final answer (after redirects)
  redirects      INTEGER NOT NULL DEFAULT 0,
  method         TEXT,                 -- the method of the final request (HEAD, or GET after a fallback)
  attempts       INTEGER NOT NULL DEFAULT 0,
  remote_ip      TEXT,
  content_type   TEXT,
  content_length INTEGER,              -- from the header, or the bytes read with GET
  elapsed_ms     REAL,                 -- time worked on, from the first request's start (waits for the host's turn excluded)
  checked_at     INTEGER NOT NULL,     -- unix ms
  throttled      INTEGER NOT NULL DEFAULT 0, -- 429 and 503 answers drawn on the way (the host pushing back)
  source         TEXT,                 -- spreadsheet and JSON lists: the record's other fields, JSON
  body_sha256    TEXT,                 -- GET: SHA-256 (hex) of the body as delivered, content coding removed
  title          TEXT,                 -- GET: the HTML <title>, decoded, whitespace collapsed
  headers        TEXT,                 -- the final answer's headers, a JSON object (capped at 16 KiB)
  truncated      INTEGER NOT NULL DEFAULT 0, -- GET: 1 when the body went past --max-body and was cut
  warc_file      TEXT,                 -- --store-bodies: the WARC file holding the response, relative to the database's folder
  warc_offset    INTEGER,              -- where its response record's gzip member starts in that file
  warc_length    INTEGER               -- and its length: read alone, it gunzips to the whole record
);

-- URLs read but not yet swept because their host could not take them then (the frontier's overflow), or
-- waiting long enough that the checkpoint should not wait for them: part of the committed state, so a
-- resumed sweep takes them back. A row leaves in the transaction that records its line's result.
CREATE TABLE IF NOT EXISTS pending (
  seq   INTEGER PRIMARY KEY,           -- order of parking: a host's URLs are taken back in this order
  line  INTEGER NOT NULL UNIQUE,       -- the input line
  host  TEXT NOT NULL,
  url   TEXT NOT NULL,                 -- the line as written (trimmed); parsed again when taken back
  source TEXT                          -- results.source to be
);
CREATE INDEX IF NOT EXISTS pending_host ON pending(host, seq);

-- Rows replaced by a later pass (--redo), as they were, with the run that replaced them.
CREATE TABLE IF NOT EXISTS results_history (
  replaced_by    INTEGER NOT NULL,     -- runs.id of the run that swept the line again
  line           INTEGER NOT NULL,
  url            TEXT NOT NULL,
  host           TEXT,
  outcome        TEXT NOT NULL,
  status         INTEGER,
  error_code     TEXT,
  error_message  TEXT,
  final_url      TEXT,
  redirects      INTEGER NOT NULL,
  method         TEXT,
  attempts       INTEGER NOT NULL,
  remote_ip      TEXT,
  content_type   TEXT,
  content_length INTEGER,
  elapsed_ms     REAL,
  checked_at     INTEGER NOT NULL,
  throttled      INTEGER NOT NULL,
  source         TEXT,
  body_sha256    TEXT,
  title          TEXT,
  headers        TEXT,
  truncated      INTEGER NOT NULL DEFAULT 0,
  warc_file      TEXT,
  warc_offset    INTEGER,
  warc_length    INTEGER,
  hops           TEXT,                 -- JSON array of its redirect_hops rows, or NULL
  PRIMARY KEY (line, replaced_by)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS redirect_hops (
  line     INTEGER NOT NULL,           -- results.line
  hop      INTEGER NOT NULL,           -- 1 for the first redirect
  url      TEXT NOT NULL,              -- the URL that answered with a redirect
  status   INTEGER NOT NULL,
  location TEXT NOT NULL,              -- where it pointed (absolute)
  PRIMARY KEY (line, hop)
) WITHOUT ROWID;
`;

/**
 * Views for the questions everyone asks, usable from any SQLite client. They aggregate in SQL, so they
 * stay usable on a 100M-row sweep (the indexes built at the end serve `hosts` and `slowest`).
 */
export const VIEWS_SQL = `
CREATE VIEW IF NOT EXISTS summary AS
  SELECT outcome,
         ${STATUS_CLASS_SQL} AS status_class,
         count(*) AS urls
  FROM results GROUP BY 1, 2 ORDER BY urls DESC;

CREATE VIEW IF NOT EXISTS errors AS
  SELECT line, url, host, outcome, error_code, error_message, attempts, elapsed_ms
  FROM results WHERE outcome <> 'response';

CREATE VIEW IF NOT EXISTS hosts AS
  WITH ranked AS (
    SELECT host, outcome, elapsed_ms,
           row_number() OVER (PARTITION BY host ORDER BY elapsed_ms) AS rank,
           count(elapsed_ms) OVER (PARTITION BY host) AS timed
    FROM results WHERE host IS NOT NULL
  )
  SELECT host,
         count(*) AS urls,
         sum(outcome = 'response') AS responses,
         sum(${FAILURE_SQL}) AS failures,
         avg(CASE WHEN rank IN ((timed + 1) / 2, (timed + 2) / 2) THEN elapsed_ms END) AS median_ms
  FROM ranked GROUP BY host;

CREATE VIEW IF NOT EXISTS redirects AS
  SELECT line, url, final_url, redirects, status, outcome
  FROM results WHERE redirects > 0;

CREATE VIEW IF NOT EXISTS slowest AS
  SELECT line, url, outcome, status, elapsed_ms
  FROM results WHERE elapsed_ms IS NOT NULL ORDER BY elapsed_ms DESC LIMIT 100;
`;

/** Built when the sweep ends: secondary indexes would slow every insert of a 100M-row sweep. */
export const INDEX_SQL = `
CREATE INDEX IF NOT EXISTS results_outcome ON results(outcome);
CREATE INDEX IF NOT EXISTS results_host ON results(host, elapsed_ms, attempts);
CREATE INDEX IF NOT EXISTS results_status ON results(status);
CREATE INDEX IF NOT EXISTS results_elapsed ON results(elapsed_ms);
CREATE INDEX IF NOT EXISTS results_host_down ON results(host) WHERE error_code = 'URLSWEEP_HOST_DOWN';
CREATE INDEX IF NOT EXISTS results_throttled ON results(host) WHERE throttled > 0;
`;
