// `urlsweep demo` as a library call: a seeded web in miniature (demoList.ts) swept on the simulated
// internet into a fresh database, and the questions the demo then asks of that database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SweepListener } from '../sweep/sweep.js';
import type { Interrupt } from '../sweep/interrupt.js';
import type { SweepSummary } from '../sweep/summary.js';
import { defaultOptions } from '../options/sweepOptions.js';
import { sweepSim } from '../sim/sweepSim.js';
import { count } from '../progress/format.js';
import { writeDemoList } from './demoList.js';

export interface DemoOptions {
  /** Database for the results, replaced if it exists. */
  db: string;
  urls: number;
  /** Distinct host names among the URLs (at most one per URL). */
  hosts: number;
  concurrency: number;
}

/** Dead hosts give up sooner than with --sim, so the demo's tail of timeouts stays short. */
const DEMO_TIMEOUTS = { timeoutMs: 4_000, connectTimeoutMs: 1_000, headersTimeoutMs: 2_500, bodyTimeoutMs: 2_500 };

/** The questions the demo answers from its database once the sweep is done: [title, SQL]. */
export const DEMO_QUERIES: readonly [string, string][] = [
  ['Outcomes and status classes', 'SELECT * FROM summary'],
  ['Why URLs failed', 'SELECT outcome, error_code, count(*) AS urls FROM errors GROUP BY 1, 2 ORDER BY urls DESC'],
  ['The hosts with most failures', 'SELECT host, urls, failures, round(median_ms) AS median_ms FROM hosts ORDER BY failures DESC, urls DESC LIMIT 5'],
];

export async function runDemo(demo: DemoOptions, listener: SweepListener = {}, interrupt?: Interrupt): Promise<SweepSummary> {
  const hosts = Math.min(demo.hosts, demo.urls);
  const dir = mkdtempSync(join(tmpdir(), 'urlsweep-demo-'));
  try {
    const list = join(dir, 'demo-urls.txt');
    listener.notice?.(`Generating ${count(demo.urls)} URLs over ${count(hosts)} simulated hosts (healthy, slow, dead, unresolvable, redirecting, failing)...`);
    await writeDemoList(list, demo.urls, hosts);
    const options = { ...defaultOptions(), inputs: [list], db: demo.db, fresh: true, concurrency: demo.concurrency, ...DEMO_TIMEOUTS };
    return await sweepSim(options, listener, interrupt);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
