// A finished sweep's database of any size, made by SQLite alone (no request, no JS loop per row), for
// the report's large-database test and benchmark. Deterministic: every column is a function of the
// line number, so a test can know the answer without reading the rows.
import Database from 'better-sqlite3';
import { ResultStore } from '../store/resultStore.js';
import { Codes } from '../result/errors.js';

/** Share of lines per outcome, in thousandths, in the order `outcomeOf` assigns them. */
export const SYNTHETIC_MIX = [
  ['response', 900],
  ['dns_error', 30],
  ['connect_refused', 20],
  ['timeout', 20],
  ['connect_timeout', 15],
  ['tls_error', 15],
] as const;

/** A line's pseudo-random draw in [0, 1000): Knuth's multiplicative hash, spread enough for a mix. */
const DRAW = `((line * 2654435761) % 1000)`;

function outcomeOf(): string {
  let upTo = 0;
  const cases = SYNTHETIC_MIX.map(([outcome, share]) => `WHEN ${DRAW} < ${(upTo += share)} THEN '${outcome}'`);
  return `CASE ${cases.join(' ')} END`;
}

export interface SyntheticOptions {
  rows: number;
  hosts: number;
  /** Recording rate, for checked_at. */
  urlsPerSecond: number;
  startedAt?: number;
}

export function writeSyntheticResults(path: string, options: SyntheticOptions): void {
  const startedAt = options.startedAt ?? Date.UTC(2026, 10, 1);
  const store = new ResultStore(path);
  store.beginRun([], { synthetic: options }, 'synthetic', { line: 0, input: 0, offset: 0 });
  store.close();
  // Through a prime first, so that a host's lines do not all draw the same outcome.
  const HOST = `((line * 7919) % 1000003 % ${options.hosts})`;
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec(`
    WITH RECURSIVE seq(line) AS (SELECT 1 UNION ALL SELECT line + 1 FROM seq WHERE line < ${options.rows})
    INSERT INTO results (line, url, host, outcome, status, error_code, elapsed_ms, checked_at, attempts, throttled)
    SELECT line, url, host, outcome,
           CASE WHEN outcome <> 'response' THEN NULL WHEN ${DRAW} < 700 THEN 200 WHEN ${DRAW} < 780 THEN 404
                WHEN ${DRAW} < 840 THEN 301 WHEN ${DRAW} < 880 THEN 500 ELSE 503 END,
           CASE WHEN down THEN '${Codes.hostDown}' ELSE
           CASE outcome WHEN 'dns_error' THEN 'ENOTFOUND' WHEN 'connect_refused' THEN 'ECONNREFUSED'
                WHEN 'timeout' THEN 'UND_ERR_HEADERS_TIMEOUT' WHEN 'connect_timeout' THEN 'UND_ERR_CONNECT_TIMEOUT'
                WHEN 'tls_error' THEN 'CERT_HAS_EXPIRED' END END,
           -- log-uniform from 1 ms to ~8 s
           exp(((line * 40503) % 10000) / 10000.0 * 9),
           ${startedAt} + (line * 1000) / ${options.urlsPerSecond},
           CASE WHEN down THEN 0 ELSE 1 + (${DRAW} % 3 = 0) END,
           -- three lines in a thousand drew a 429 or 503 on the way
           CASE WHEN (line * 48271) % 1000 < 3 THEN 1 + line % 2 ELSE 0 END
    FROM (SELECT line, outcome, host, url,
                 -- one host in 500 is down: its connect timeouts are URLs not tried
                 outcome = 'connect_timeout' AND hostIndex % 500 = 0 AS down
          FROM (SELECT line, ${outcomeOf()} AS outcome, ${HOST} AS hostIndex, 'site-' || ${HOST} || '.example' AS host,
                       'https://site-' || ${HOST} || '.example/page/' || line AS url FROM seq));
    UPDATE runs SET state = 'finished', ended_at = ${startedAt} + (${options.rows} * 1000) / ${options.urlsPerSecond},
                    started_at = ${startedAt}, checkpoint_line = ${options.rows}, results_rows = ${options.rows};
  `);
  db.close();
  const finished = new ResultStore(path);
  finished.buildIndexes();
  finished.close();
}
