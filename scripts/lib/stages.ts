// Stages of the pipeline measured alone, so the suite can say which one bounds a scenario:
// the SQLite writer (rows/s) and the resolver (distinct names/s, and whether it needs libuv's thread pool).
import { execFileSync } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultStore } from '../../src/store/resultStore.js';
import type { ResultRow } from '../../src/messages.js';
import { HostResolver } from '../../workers/resolver.js';
import { removeDatabase } from './files.js';

export interface StageFigures {
  writer: { rowsPerSecond: number };
  resolver: { namesPerSecond: number; namesPerSecondPoolBlocked: number; lookupWaitMs: number; names: number; unanswered: number };
}

const WRITER_ROWS = 500_000;
const BATCH = 8192; // what the coordinator's batch writer hands over at most

export async function measureWriter(path: string): Promise<StageFigures['writer']> {
  removeDatabase(path);
  const store = new ResultStore(path);
  store.beginRun([], {}, 'bench', { line: 0, input: 0, offset: 0 });
  const rows: ResultRow[] = [];
  const started = performance.now();
  for (let line = 1; line <= WRITER_ROWS; line++) {
    const url = `https://site-${line % 5000}.example/page/${line}`;
    rows.push({
      line, url, host: `site-${line % 5000}.example`, outcome: 'response', status: 200, error_code: null, error_message: null,
      final_url: url, redirects: 0, method: 'HEAD', attempts: 1, remote_ip: '127.0.0.1', content_type: 'text/html',
      content_length: 1234, elapsed_ms: 12.5, checked_at: Date.now(), throttled: 0, hops: null,
    });
    if (rows.length === BATCH || line === WRITER_ROWS) {
      store.write(rows, { line, input: 0, offset: line * 40 });
      rows.length = 0;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  removeDatabase(path);
  return { rowsPerSecond: WRITER_ROWS / seconds };
}

const NAMES = 20_000;
const IN_FLIGHT = 256;

/** Names per second, and how many got no answer (a UDP datagram lost now and then: counted, not fatal). */
async function resolveAll(resolver: HostResolver, prefix: string): Promise<{ perSecond: number; unanswered: number }> {
  let next = 0;
  let unanswered = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < NAMES) await resolver.resolve(`fine-${next++}.${prefix}.test`).catch(() => unanswered++);
    }),
  );
  return { perSecond: NAMES / ((performance.now() - started) / 1000), unanswered };
}

/**
 * Distinct names per second through the workers' resolver against the simulated DNS server; then again
 * while every thread of libuv's pool is stuck (each blocked opening a FIFO no one writes to: no CPU
 * used, so only queueing could slow anything). If the rate holds while a dns.lookup, which does use the
 * pool, waits for the whole measurement, resolution does not queue on the pool.
 */
export async function measureResolver(server: string, dir: string): Promise<StageFigures['resolver']> {
  await resolveAll(new HostResolver({ servers: [server] }), 'warm'); // JIT of both ends, first sockets
  const free = await resolveAll(new HostResolver({ servers: [server] }), 'free');
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifos = Array.from({ length: poolSize }, (_, i) => join(dir, `pool-blocker-${i}`));
  for (const fifo of fifos) {
    rmSync(fifo, { force: true });
    execFileSync('mkfifo', [fifo]);
  }
  const stuck = fifos.map((fifo) => readFile(fifo));
  const lookupStarted = performance.now();
  const lookup = dnsPromises.lookup('localhost').then(() => performance.now() - lookupStarted);
  const blocked = await resolveAll(new HostResolver({ servers: [server] }), 'blocked');
  const resolvedAfterMs = performance.now() - lookupStarted;
  // Release the pool: opening the write end lets each blocked open() return.
  for (const fifo of fifos) closeSync(openSync(fifo, 'w'));
  await Promise.all(stuck);
  const lookupWaitMs = await lookup;
  for (const fifo of fifos) rmSync(fifo, { force: true });
  return {
    namesPerSecond: free.perSecond,
    namesPerSecondPoolBlocked: blocked.perSecond,
    lookupWaitMs: Math.min(lookupWaitMs, resolvedAfterMs),
    names: 2 * NAMES,
    unanswered: free.unanswered + blocked.unanswered,
  };
}
