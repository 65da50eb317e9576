// The coordinator: streams the input, validates each line, hands URLs to the frontier (which feeds the
// workers and parks what a host cannot take yet), records every result with its checkpoint, and reports
// progress. Everything the CLI's `run` does is this call.
import { fitOpenFiles } from '../options/openFiles.js';
import { boundHeapGrowth } from './heapGrowth.js';
import { ReadProgress, type InputLine } from '../input/lineReader.js';
import { inputFormat, readInput as readRecords } from '../input/records.js';
import { parseLine } from '../input/parseLine.js';
import { identify } from '../input/inputIdentity.js';
import type { Job, ResultRow, WarcTarget } from '../messages.js';
import { invalidRow } from '../result/row.js';
import { CheckpointTracker } from '../store/checkpoint.js';
import { ResultStore, type Checkpoint } from '../store/resultStore.js';
import { BatchWriter } from '../store/batchWriter.js';
import { WorkerPool } from '../frontier/workerPool.js';
import { Frontier } from '../frontier/frontier.js';
import { DoneLines } from './doneLines.js';
import { SweepStats, type ProgressSnapshot } from './sweepStats.js';
import { engineConfig, recordedOptions, type SweepOptions } from '../options/sweepOptions.js';
import { summarize, type SweepSummary } from './summary.js';
import { planRun } from './runPlan.js';
import { Interrupt } from './interrupt.js';
import { Codes, SweepError, UsageError } from '../result/errors.js';
import { VERSION } from '../version.js';
import { resolveProxy } from '../options/proxySettings.js';
import { trimToReferenced, warcTarget } from '../store/warcFolder.js';
import { ownsLine, type Shard } from '../options/shard.js';

export interface SweepListener {
  /** About once a second while the sweep runs. */
  progress?(snapshot: ProgressSnapshot): void;
  /**
   * Once, before the first request: whether this run resumes an earlier one, what changed since, and
   * how many URLs an earlier run left parked (or --redo parked) to sweep.
   */
  start?(info: { resumedFrom: number; earlierRows: number; changedOptions: string[]; parked: number; redo: number | null }): void;
  /** Something the user should know that does not stop the sweep (a limit raised, a setting lowered). */
  notice?(text: string): void;
  /** Once, when every URL has its row and the indexes are being built (minutes on 100M rows). */
  indexing?(rows: number): void;
}

const PROGRESS_MS = 1000;
/** After a first Ctrl-C, requests in flight get this long to finish before they are abandoned. */
export const GRACE_MS = 5000;
/** Hosts with parked URLs read per query when a resumed sweep takes them back. */
const PARKED_HOSTS_PER_QUERY = 512;

export async function runSweep(
  options: SweepOptions,
  listener: SweepListener = {},
  interrupt: Interrupt = new Interrupt(),
): Promise<SweepSummary> {
  if (options.inputs.length === 0) throw new UsageError('no input: name one or more files, or - for stdin');
  if (options.spreadHosts && options.perHost < options.threads) {
    throw new UsageError(`--spread-hosts splits --per-host between the ${options.threads} threads: it needs --per-host ${options.threads} or more`);
  }
  if (options.storeBodies && options.method !== 'GET') throw new UsageError('--store-bodies keeps the bodies of GET requests: add --method GET');
  // Proxy settings (--proxy, or the environment's) and the input's format are checked before the database is touched.
  resolveProxy(options.proxy, options.noProxy);
  if (inputFormat(options.inputs, options.inputFormat) === 'text' && options.column !== null) {
    throw new UsageError('--column names a column of a CSV or TSV list or a field of a JSON-lines list: these inputs are read as text (give --input-format)');
  }
  const identity = identify(options.inputs);
  const store = new ResultStore(options.db);
  try {
    const recorded = recordedOptions(options);
    const { plan, redo } = store.exclusive(() => {
      const p = planRun(store, identity, recorded, options.fresh, options.redo);
      if (p.kind !== 'sweep') return { plan: p, redo: null };
      store.beginRun(identity, recorded, VERSION, p.from);
      return { plan: p, redo: p.startRedo ? store.redo(options.redo) : null };
    });
    if (plan.kind === 'complete') return summarize(store, null, { alreadyComplete: true });
    const parked = store.parkedCount();
    listener.start?.({ resumedFrom: plan.from.line, earlierRows: plan.earlierRows, changedOptions: plan.changedOptions, parked, redo });
    const warc = options.storeBodies ? warcTarget(options.db, options.warcSize, store.id()) : null;
    if (warc) trimWarc(store, warc, listener);
    boundHeapGrowth();
    const fd = fitOpenFiles(options.concurrency, options.threads);
    if (fd.note) listener.notice?.(fd.note);
    let stats: SweepStats;
    try {
      const input = plan.inputDone ? null : plan.from;
      stats = await sweepLines({ ...options, concurrency: fd.concurrency }, warc, store, input, parked, plan.earlierRows, listener, interrupt);
    } catch (err) {
      markFailed(store);
      throw err;
    }
    if (warc) trimWarc(store, warc, listener);
    if (interrupt.stopping) {
      store.endRun('interrupted');
      return summarize(store, stats, { interrupted: interrupt.reason });
    }
    try {
      // Never mark a sweep finished with URLs parked: a rerun would then say it is complete.
      const left = store.parkedCount();
      if (left > 0) throw new SweepError(`${left} parked URLs have no result; run the same command again to sweep them`);
      listener.indexing?.(store.rowCount());
      const indexing = Date.now();
      store.buildIndexes();
      stats.indexMs = Date.now() - indexing;
      store.recount();
    } catch (err) {
      markFailed(store);
      throw err;
    }
    store.endRun('finished');
    return summarize(store, stats, {});
  } finally {
    store.close();
  }
}

/** The WARC folder made to agree with the rows: what a crash left unnamed (or torn) goes, and the user hears of it. */
function trimWarc(store: ResultStore, target: WarcTarget, listener: SweepListener): void {
  const { removed, cutBytes, foreign, short } = trimToReferenced(store.db, target);
  if (removed > 0 || cutBytes > 0) {
    listener.notice?.(`WARC records no row names (left by a stopped sweep) cut: ${cutBytes} bytes, ${removed} files removed from ${target.relativeDir}/`);
  }
  if (foreign > 0) listener.notice?.(`${target.relativeDir}/ holds ${foreign} WARC files another database wrote (left alone)`);
  if (short.length > 0) {
    listener.notice?.(`${short.length} WARC files end before records rows name (lost in a power cut?): ${short.slice(0, 3).join(', ')}${short.length > 3 ? ', …' : ''}`);
  }
}

/** Best effort: a failure may be the database itself (disk full), which then keeps the run as `running`. */
function markFailed(store: ResultStore): void {
  try {
    store.endRun('failed');
  } catch {
    // The next run sees a dead process behind 'running' and resumes all the same.
  }
}

/**
 * The sweep itself: parked URLs of an earlier run first, then the input from `from` (null: it was read to
 * its end by an earlier run), until every URL has its row or the sweep is interrupted.
 */
async function sweepLines(
  options: SweepOptions,
  warc: WarcTarget | null,
  store: ResultStore,
  from: Checkpoint | null,
  parked: number,
  earlierRows: number,
  listener: SweepListener,
  interrupt: Interrupt,
): Promise<SweepStats> {
  const stats = new SweepStats();
  const start = from ?? store.previous()!.checkpoint;
  const checkpoint = new CheckpointTracker(start);
  const writer = new BatchWriter(store, checkpoint);
  const record = (row: ResultRow): void => {
    stats.add(row);
    writer.add(row);
    checkpoint.complete(row.line);
  };
  const config = engineConfig(options, warc);
  let frontier: Frontier | null = null;
  const pool = new WorkerPool(options.threads, config, options.rate ? new SharedArrayBuffer(8) : null, {
    results: (shard, rows, sent) => frontier!.results(shard, rows, sent),
    hosts: (shard, reports) => frontier!.hosts(shard, reports),
    failed: () => frontier?.failed(),
  });
  frontier = new Frontier(
    {
      threads: options.threads,
      spread: options.spreadHosts,
      concurrency: config.concurrency,
      // Enough outstanding URLs per worker that it never starves between messages, yet bounded.
      window: Math.max(2048, config.concurrency * 2),
      perHost: config.perHost,
      paced: config.hostRate !== null,
    },
    pool,
    store,
    writer,
    checkpoint,
    record,
  );
  const progress = new ReadProgress(options.inputs);
  const reporter = startProgress(stats, pool, frontier, from ? progress : null, parked, earlierRows, listener);
  const failure = (): Error | null => writer.error ?? pool.failure;
  /** Waits while the frontier asks the reader to; false when the sweep is stopping meanwhile. */
  const waitFor = async (offer: () => Promise<void> | null): Promise<boolean> => {
    for (let wait = offer(); wait; wait = offer()) {
      pool.flush();
      // Not raced against the interrupt: a reaction added to its long-lived promise at every wait would be
      // kept until the sweep ends (megabytes per million URLs). The interrupt wakes the reader instead.
      await wait;
      if (interrupt.stopping) return false;
      const error = failure();
      if (error) throw error;
    }
    return true;
  };
  const stopReading = new AbortController();
  void interrupt.next().then(() => {
    stopReading.abort();
    frontier.stop();
  });
  try {
    // URLs parked by an earlier run (or by --redo) go back to their hosts' lanes first.
    adopting: for (let after = ''; ; ) {
      const hosts = store.parkedHosts(after, PARKED_HOSTS_PER_QUERY);
      if (hosts.length === 0) break;
      for (const h of hosts) if (!(await waitFor(() => frontier.adopt(h.host, h.urls, h.first)))) break adopting;
      after = hosts[hosts.length - 1]!.host;
    }
    if (from && !interrupt.stopping) await readInput(options, from, progress, stopReading.signal);
    pool.flush();
    if (!interrupt.stopping) await Promise.race([frontier.allSent(), interrupt.next()]);
    if (!interrupt.stopping) await Promise.race([pool.finish(), interrupt.next()]);
    if (interrupt.stopping) await pool.stop(interrupt.aborting ? 0 : GRACE_MS, interrupt.next());
    const error = failure();
    if (error) throw error;
  } finally {
    await pool.destroy();
    frontier.close();
    reporter.stop();
    writer.close();
    stats.workerRestarts = pool.restarts;
  }
  if (writer.error) throw writer.error;
  if (!interrupt.stopping && checkpoint.line < stats.lastLine) {
    // Never mark a sweep finished with lines missing: a rerun would then say it is complete.
    throw new SweepError(`lines after ${checkpoint.line} have no result (up to ${stats.lastLine}); run the same command again to redo them`);
  }
  return stats;

  async function readInput(options: SweepOptions, from: Checkpoint, progress: ReadProgress, signal: AbortSignal): Promise<void> {
    // Lines above the checkpoint an earlier run recorded or parked: not swept again.
    const done = new DoneLines(store, from.line);
    try {
      const format = inputFormat(options.inputs, options.inputFormat);
      for await (const lines of readRecords(options.inputs, format, options.column, progress, from, signal)) {
        stats.linesRead += lines.length;
        for (const input of lines) {
          if (interrupt.stopping) return;
          stats.linesProcessed++;
          if (input.line <= from.line) continue;
          stats.lastLine = input.line;
          checkpoint.read(input.line, input.input, input.offsetAfter);
          if (done.has(input.line)) {
            checkpoint.complete(input.line);
            continue;
          }
          const job = route(input, record, checkpoint, stats, options.shard);
          if (job && !(await waitFor(() => frontier!.offer(job)))) return;
        }
        pool.flush();
        const error = failure();
        if (error) throw error;
      }
    } catch (err) {
      // The input stream is aborted when a signal comes while it is waiting for data.
      if (!(interrupt.stopping && (err as Error).name === 'AbortError')) throw err;
    }
  }
}

/** The host a line's URL names; null for a line without one (invalid, unreadable, blank). */
function hostOf(input: InputLine): string | null {
  if (input.text === null) return null;
  const parsed = parseLine(input.text);
  return parsed.kind === 'url' ? parsed.host : null;
}

/** One line: no row (blank, comment), an `invalid_url` row at once, or a URL for the frontier. */
function route(input: InputLine, record: (row: ResultRow) => void, checkpoint: CheckpointTracker, stats: SweepStats, shard: Shard | null): Job | null {
  // Another shard's line: no row here, and the checkpoint passes it.
  if (shard && !ownsLine(shard, input.line, hostOf(input))) {
    checkpoint.complete(input.line);
    return null;
  }
  stats.issued++;
  const source = input.source ?? null;
  if (input.problem === 'bad_record') {
    record(invalidRow(input.line, '', Codes.badRecord, input.preview ?? 'unreadable record', source));
    return null;
  }
  if (input.text === null) {
    const message = input.problem === 'too_long' ? 'line too long' : 'not text (binary or invalid UTF-8)';
    record(invalidRow(input.line, input.preview ?? '', input.problem === 'too_long' ? 'URLSWEEP_LINE_TOO_LONG' : 'URLSWEEP_BINARY_LINE', message));
    return null;
  }
  // A record's URL field that is empty is still a record: it gets its row (a blank line in a list does not).
  if (input.record && input.text.trim() === '') {
    record(invalidRow(input.line, '', Codes.badRecord, 'the URL field is empty', source));
    return null;
  }
  const parsed = parseLine(input.text);
  if (parsed.kind === 'skip' && input.record) {
    record(invalidRow(input.line, input.text.trim().slice(0, 2048), Codes.invalidUrl, 'not a URL', source));
    return null;
  }
  if (parsed.kind === 'skip') {
    stats.issued--;
    checkpoint.complete(input.line);
    return null;
  }
  if (parsed.kind === 'invalid') {
    record(invalidRow(input.line, input.text.trim().slice(0, 2048), parsed.code, parsed.message, source));
    return null;
  }
  return { line: input.line, text: input.text.trim(), target: parsed.target, host: parsed.host, bare: parsed.bare, source };
}

function startProgress(
  stats: SweepStats,
  pool: WorkerPool,
  frontier: Frontier,
  read: ReadProgress | null,
  parked: number,
  earlier: number,
  listener: SweepListener,
): { stop(): void } {
  if (!listener.progress) return { stop() {} };
  const recent: Array<{ at: number; recorded: number }> = [{ at: Date.now(), recorded: 0 }];
  const timer = setInterval(() => {
    const now = Date.now();
    recent.push({ at: now, recorded: stats.recorded });
    if (recent.length > 6) recent.shift();
    const first = recent[0]!;
    const rate = now > first.at ? ((stats.recorded - first.recorded) * 1000) / (now - first.at) : 0;
    const elapsedMs = now - stats.startedAt;
    // Reading runs ahead of the answers (a chunk at a time, the workers' windows, parked URLs): a small
    // input would show 100% while thousands of URLs are pending. With nothing to read (a second pass),
    // the share is of the parked URLs taken back.
    const fraction = read ? stats.doneFraction(read.fraction) : parked > 0 ? Math.min(1, stats.recorded / parked) : null;
    const f = frontier.stats;
    listener.progress!({
      recorded: stats.recorded,
      earlier,
      failures: stats.failures,
      inFlight: pool.inFlight,
      hosts: { active: f.activeHosts, slowed: pool.slowedHosts, down: f.downHosts },
      parked: f.parked,
      notTried: stats.notTried,
      elapsedMs,
      rate,
      fraction,
      etaMs: fraction && fraction > 0.001 ? (elapsedMs * (1 - fraction)) / fraction : null,
    });
  }, PROGRESS_MS);
  return { stop: () => clearInterval(timer) };
}
