// Sweeps a list against the simulated internet through the library, as the CLI would, and returns the rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { runSweep } from '../../src/sweep/sweep.js';
import { defaultOptions, type SweepOptions } from '../../src/options/sweepOptions.js';
import type { SweepSummary } from '../../src/sweep/summary.js';
import type { SimInternet } from '../../src/sim/index.js';
import { pointAtSim } from '../../src/sim/pointAtSim.js';
import type { ResultRow } from '../../src/messages.js';

/** A row as read back from `results` (the hops live in their own table). */
export type Row = Omit<ResultRow, 'hops'>;

export interface SweepResult {
  summary: SweepSummary;
  rows: Row[];
  /** Rows keyed by their `url` column (the line as written). */
  byUrl: Map<string, Row>;
  hops(line: number): Array<{ hop: number; url: string; status: number; location: string }>;
  dbPath: string;
}

/** The row of `url` in a sweep's result; fails the test when there is none. */
export function row(result: SweepResult, url: string): Row {
  const found = result.byUrl.get(url);
  assert.ok(found, `no row for ${url}`);
  return found;
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'urlsweep-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Options pointing at the sim, with short timeouts so failure cases end quickly. */
export function simOptions(sim: SimInternet, dir: string, overrides: Partial<SweepOptions> = {}): SweepOptions {
  const options = pointAtSim(
    {
      ...defaultOptions(),
      inputs: [join(dir, 'list.txt')],
      db: join(dir, 'results.db'),
      threads: 2,
      concurrency: 64,
      timeoutMs: 8_000,
      connectTimeoutMs: 1_500,
      headersTimeoutMs: 1_500,
      bodyTimeoutMs: 1_500,
    },
    sim,
  );
  return { ...options, ...overrides };
}

export async function sweepLines(sim: SimInternet, dir: string, lines: string[], overrides: Partial<SweepOptions> = {}): Promise<SweepResult> {
  const options = simOptions(sim, dir, overrides);
  writeFileSync(options.inputs[0]!, lines.join('\n') + '\n');
  const summary = await runSweep(options);
  return { summary, ...readDb(options.db) };
}

export function readDb(dbPath: string): Omit<SweepResult, 'summary'> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT * FROM results ORDER BY line').all() as Row[];
    const hops = db.prepare('SELECT line, hop, url, status, location FROM redirect_hops ORDER BY line, hop').all() as Array<{
      line: number; hop: number; url: string; status: number; location: string;
    }>;
    return {
      rows,
      byUrl: new Map(rows.map((r) => [r.url, r])),
      hops: (line) => hops.filter((h) => h.line === line),
      dbPath,
    };
  } finally {
    db.close();
  }
}
