// How a run starts on a database: a new sweep, a resumed one, nothing to do, or refused.
import { hostname } from 'node:os';
import { UsageError } from './errors.js';
import { difference, type InputIdentity } from './input/inputIdentity.js';
import { StoreError, type Checkpoint, type PreviousSweep, type ResultStore } from './store/resultStore.js';

export type RunPlan =
  | { kind: 'complete' }
  | {
      kind: 'sweep';
      from: Checkpoint;
      /** Lines above the checkpoint that already have a row: skipped. */
      alreadyRecorded: Set<number>;
      /** Rows the database held before this run. */
      earlierRows: number;
      /** Options that differ from the last run's, as `name: before -> now`; they apply to the lines left. */
      changedOptions: string[];
    };

const START: Checkpoint = { line: 0, input: 0, offset: 0 };

export function planRun(store: ResultStore, identity: InputIdentity[], options: Record<string, unknown>, fresh: boolean): RunPlan {
  let previous = store.previous();
  if (previous?.state === 'running' && stillRunning(previous)) {
    throw new StoreError(`${store.path} is being written by another urlsweep (pid ${previous.pid}); wait for it to end, or stop it`);
  }
  if (previous && fresh) {
    store.clear();
    previous = null;
  }
  if (!previous) return { kind: 'sweep', from: START, alreadyRecorded: new Set(), earlierRows: 0, changedOptions: [] };
  const why = difference(previous.inputs, identity);
  if (why) {
    throw new UsageError(`${store.path} holds a sweep of other input (${why}); use another --db, or --fresh to discard that sweep`);
  }
  if (previous.state === 'finished') return { kind: 'complete' };
  return {
    kind: 'sweep',
    from: previous.checkpoint,
    alreadyRecorded: store.linesAbove(previous.checkpoint.line),
    earlierRows: previous.rows,
    changedOptions: changes(previous.options, options),
  };
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
    if (key === 'fresh') continue;
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(now[key]);
    if (a !== b) out.push(`${key}: ${a ?? 'unset'} -> ${b}`);
  }
  return out;
}
