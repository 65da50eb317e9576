// How a run starts on a database: a new sweep, a resumed one, a second pass (--redo), nothing to do, or refused.
import { hostname } from 'node:os';
import { StoreError, UsageError } from '../result/errors.js';
import { difference, type InputIdentity } from '../input/inputIdentity.js';
import type { Checkpoint, PreviousSweep, ResultStore } from '../store/resultStore.js';

export type RunPlan =
  | { kind: 'complete' }
  | {
      kind: 'sweep';
      from: Checkpoint;
      /** Rows the database held before this run. */
      earlierRows: number;
      /** Options that differ from the last run's, as `name: before -> now`; they apply to the lines left. */
      changedOptions: string[];
      /** The input has been read to its end by an earlier run: only parked URLs are left (a second pass). */
      inputDone: boolean;
      /** A new second pass over a finished sweep: the rows to redo are to be parked now. */
      startRedo: boolean;
    };

const START: Checkpoint = { line: 0, input: 0, offset: 0 };

export function planRun(
  store: ResultStore,
  identity: InputIdentity[],
  options: Record<string, unknown>,
  fresh: boolean,
  redo: string[],
): RunPlan {
  let previous = store.previous();
  if (previous?.state === 'running' && stillRunning(previous)) {
    throw new StoreError(`${store.path} is being written by another urlsweep (pid ${previous.pid}); wait for it to end, or stop it`);
  }
  if (previous && fresh) {
    if (redo.length > 0) throw new UsageError('--redo sweeps again part of a finished sweep; --fresh would discard it: choose one');
    store.clear();
    previous = null;
  }
  if (!previous) {
    if (redo.length > 0) throw new UsageError(`--redo needs a finished sweep to redo part of; ${store.path} holds none yet`);
    return { kind: 'sweep', from: START, earlierRows: 0, changedOptions: [], inputDone: false, startRedo: false };
  }
  if (previous.options.partial) {
    throw new UsageError(`${store.path} is a partial merge of a sweep's shares: finish the missing shares and merge them again`);
  }
  const why = difference(previous.inputs, identity);
  if (why) {
    throw new UsageError(`${store.path} holds a sweep of other input (${why}); use another --db, or --fresh to discard that sweep`);
  }
  // What a line number is, and which field holds the URL, cannot change within a sweep (its rows, its
  // checkpoint and its parked URLs count in them). Runs from before these options read text lists.
  if (readAs(previous.options) !== readAs(options)) {
    throw new UsageError(
      `${store.path} holds a sweep of this input read as ${readAs(previous.options)}; it is now read as ${readAs(options)}: give the same --input-format and --column, another --db, or --fresh to discard that sweep`,
    );
  }
  // A database holds one shard's lines: another shard's (or all of them) would mix two sweeps.
  const shardOf = (o: Record<string, unknown>): string => (o.shard as string | null | undefined) ?? 'all lines';
  if (shardOf(previous.options) !== shardOf(options)) {
    const what = (o: Record<string, unknown>): string => (o.shard ? `shard ${o.shard as string}` : 'all lines (no --shard)');
    throw new UsageError(
      `${store.path} holds a sweep of ${what(previous.options)} of this input; this run is of ${what(options)}: each shard needs a database of its own (another --db), or --fresh to discard that sweep`,
    );
  }
  const resumed = { from: previous.checkpoint, earlierRows: previous.rows, changedOptions: changes(previous.options, options) };
  if (previous.state === 'finished') {
    if (redo.length === 0) return { kind: 'complete' };
    return { kind: 'sweep', ...resumed, inputDone: true, startRedo: true };
  }
  const earlierRedo = (previous.options.redo as string[] | undefined) ?? [];
  if (redo.length > 0 && JSON.stringify(earlierRedo) !== JSON.stringify(redo)) {
    throw new UsageError(
      `the sweep in ${store.path} is not finished: run the same command without --redo to finish it first` +
        (earlierRedo.length > 0 ? ` (or with --redo ${earlierRedo.join(',')}, as it was started)` : ''),
    );
  }
  // An unfinished second pass (or a first pass resumed after one) has nothing left to read.
  return { kind: 'sweep', ...resumed, inputDone: previous.finishedBefore, startRedo: false };
}

/** How a run's recorded options say its input was read (`csv --column website`); runs from before these options read text. */
export function readAs(options: Record<string, unknown>): string {
  return `${(options.inputFormat as string | undefined) ?? 'text'}${options.column ? ` --column ${options.column as string}` : ''}`;
}

/** A run marked running whose process still lives on this machine (a crashed one left the mark behind). */
function stillRunning(run: PreviousSweep): boolean {
  if (!run.pid || run.hostname !== hostname() || run.pid === process.pid) return false;
  try {
    process.kill(run.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function changes(before: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(now)) {
    // Not options of the lines left: --fresh, and how the input is read and shared (the same, or refused above).
    if (key === 'fresh' || key === 'inputFormat' || key === 'column' || key === 'shard') continue;
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) out.push(`${key}: ${a ?? 'unset'} -> ${b}`);
  }
  return out;
}
