// The coordinator: streams the input, validates and routes each line, feeds the workers, records every
// result with its checkpoint, and reports progress. Everything the CLI's `run` does is this call.
import { fitOpenFiles } from './openFiles.js';
import { readLines, ReadProgress, type InputLine } from './input/lineReader.js';
import { parseLine } from './input/parseLine.js';
import { identify } from './input/inputIdentity.js';
import type { Job, ResultRow } from './messages.js';
import { shardOf } from './route.js';
import { CheckpointTracker } from './checkpoint.js';
import { ResultStore, type Checkpoint } from './store/resultStore.js';
import { BatchWriter } from './store/batchWriter.js';
import { WorkerPool } from './workerPool.js';
import { SweepStats, type ProgressSnapshot } from './sweepStats.js';
import { engineConfig, recordedOptions, type SweepOptions } from './sweepOptions.js';
import { summarize, type SweepSummary } from './summary.js';
import { planRun } from './runPlan.js';
import { Interrupt } from './interrupt.js';
import { SweepError, UsageError } from './errors.js';
import { VERSION } from './version.js';

export { SweepError, UsageError };

export interface SweepListener {
  /** About once a second while the sweep runs. */
  progress?(snapshot: ProgressSnapshot): void;
  /** Once, before the first request: whether this run resumes an earlier one, and what changed since. */
  start?(info: { resumedFrom: number; earlierRows: number; changedOptions: string[] }): void;
  /** Something the user should know that does not stop the sweep (a limit raised, a setting lowered). */
  notice?(text: string): void;
}

const PROGRESS_MS = 1000;
/** After a first Ctrl-C, requests in flight get this long to finish before they are abandoned. */
export const GRACE_MS = 5000;

export async function runSweep(
  options: SweepOptions,
  listener: SweepListener = {},
  interrupt: Interrupt = new Interrupt(),
): Promise<SweepSummary> {
  if (options.inputs.length === 0) throw new UsageError('no input: name one or more files, or - for stdin');
  if (options.spreadHosts && options.perHost < options.threads) {
    throw new UsageError(`--spread-hosts splits --per-host between the ${options.threads} threads: it needs --per-host ${options.threads} or more`);
  }
  const identity = identify(options.inputs);
  const store = new ResultStore(options.db);
  try {
    const recorded = recordedOptions(options);
    const plan = store.exclusive(() => {
      const p = planRun(store, identity, recorded, options.fresh);
      if (p.kind === 'sweep') store.beginRun(identity, recorded, VERSION, p.from);
      return p;
    });
    if (plan.kind === 'complete') return summarize(store, null, { alreadyComplete: true });
    listener.start?.({ resumedFrom: plan.from.line, earlierRows: plan.earlierRows, changedOptions: plan.changedOptions });
    const fd = fitOpenFiles(options.concurrency, options.threads);
    if (fd.note) listener.notice?.(fd.note);
    let stats: SweepStats;
    try {
      stats = await sweepLines({ ...options, concurrency: fd.concurrency }, store, plan.from, plan.alreadyRecorded, plan.earlierRows, listener, interrupt);
    } catch (err) {
      markFailed(store);
      throw err;
    }
    if (interrupt.stopping) {
      store.endRun('interrupted');
      return summarize(store, stats, { interrupted: interrupt.reason });
    }
    try {
      store.buildIndexes();
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

/** Best effort: a failure may be the database itself (disk full), which then keeps the run as `running`. */
function markFailed(store: ResultStore): void {
  try {
    store.endRun('failed');
  } catch {
    // The next run sees a dead process behind 'running' and resumes all the same.
  }
}

async function sweepLines(
  options: SweepOptions,
  store: ResultStore,
  from: Checkpoint,
  alreadyRecorded: Set<number>,
  earlierRows: number,
  listener: SweepListener,
  interrupt: Interrupt,
): Promise<SweepStats> {
  const stats = new SweepStats();
  const checkpoint = new CheckpointTracker(from);
  const writer = new BatchWriter(store, checkpoint);
  const record = (row: ResultRow): void => {
    stats.add(row);
    writer.add(row);
    checkpoint.complete(row.line);
  };
  // Enough outstanding URLs per worker that it never starves between credits, yet bounded.
  const window = Math.max(2048, Math.ceil(options.concurrency / options.threads) * 2);
  const pool = new WorkerPool(options.threads, engineConfig(options), window, (rows) => rows.forEach(record));
  const progress = new ReadProgress(options.inputs);
  const reporter = startProgress(stats, pool, progress, earlierRows, listener);
  const failure = (): Error | null => writer.error ?? pool.failure;
  const stopReading = new AbortController();
  void interrupt.next().then(() => stopReading.abort());
  try {
    try {
      reading: for await (const lines of readLines(options.inputs, progress, from, stopReading.signal)) {
        stats.linesRead += lines.length;
        for (const input of lines) {
          if (interrupt.stopping) break reading;
          stats.linesProcessed++;
          if (input.line <= from.line) continue;
          stats.lastLine = input.line;
          checkpoint.read(input.line, input.input, input.offsetAfter);
          if (alreadyRecorded.has(input.line)) {
            checkpoint.complete(input.line);
            continue;
          }
          const wait = route(input, options, pool, record, checkpoint, stats);
          if (wait) {
            pool.flush();
            await Promise.race([wait, interrupt.next()]);
          }
          const error = failure();
          if (error) throw error;
        }
        pool.flush();
      }
    } catch (err) {
      // The input stream is aborted when a signal comes while it is waiting for data.
      if (!(interrupt.stopping && (err as Error).name === 'AbortError')) throw err;
    }
    if (!interrupt.stopping) await Promise.race([pool.finish(), interrupt.next()]);
    if (interrupt.stopping) await pool.stop(interrupt.aborting ? 0 : GRACE_MS, interrupt.next());
    const error = failure();
    if (error) throw error;
  } finally {
    await pool.destroy();
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
}

/** One line: no row (blank, comment), an `invalid_url` row at once, or a URL sent to its host's worker. */
function route(
  input: InputLine,
  options: SweepOptions,
  pool: WorkerPool,
  record: (row: ResultRow) => void,
  checkpoint: CheckpointTracker,
  stats: SweepStats,
): Promise<void> | undefined {
  stats.issued++;
  if (input.text === null) {
    const message = input.problem === 'too_long' ? 'line too long' : 'not text (binary or invalid UTF-8)';
    record(invalidRow(input.line, input.preview ?? '', input.problem === 'too_long' ? 'URLSWEEP_LINE_TOO_LONG' : 'URLSWEEP_BINARY_LINE', message));
    return undefined;
  }
  const parsed = parseLine(input.text);
  if (parsed.kind === 'skip') {
    stats.issued--;
    checkpoint.complete(input.line);
    return undefined;
  }
  if (parsed.kind === 'invalid') {
    record(invalidRow(input.line, input.text.trim().slice(0, 2048), parsed.code, parsed.message));
    return undefined;
  }
  const job: Job = { line: input.line, text: input.text.trim(), target: parsed.target, host: parsed.host, bare: parsed.bare };
  // Spread: every worker takes its turn, whatever the host (each holds its share of the per-host limit).
  return pool.submit(options.spreadHosts ? input.line % options.threads : shardOf(parsed.host, options.threads), job);
}

function invalidRow(line: number, url: string, code: string, message: string): ResultRow {
  return {
    line, url, host: null, outcome: 'invalid_url', status: null, error_code: code, error_message: message,
    final_url: null, redirects: 0, method: null, attempts: 0, remote_ip: null, content_type: null,
    content_length: null, elapsed_ms: null, checked_at: Date.now(), hops: null,
  };
}

function startProgress(
  stats: SweepStats,
  pool: WorkerPool,
  read: ReadProgress,
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
    // Reading runs ahead of the answers (a chunk at a time, and the workers' windows): a small input
    // would show 100% while thousands of URLs are pending.
    const fraction = stats.doneFraction(read.fraction);
    listener.progress!({
      recorded: stats.recorded,
      earlier,
      failures: stats.failures,
      inFlight: pool.inFlight,
      elapsedMs,
      rate,
      fraction,
      etaMs: fraction && fraction > 0.001 ? (elapsedMs * (1 - fraction)) / fraction : null,
    });
  }, PROGRESS_MS);
  return { stop: () => clearInterval(timer) };
}
