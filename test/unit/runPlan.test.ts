// How a run starts on a database (src/sweep/runPlan.ts), on a real store: a new sweep, a resume from the
// checkpoint, complete, a second pass (--redo), --fresh, and the refusals (other input, a live writer, --redo misused).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { planRun, type RunPlan } from '../../src/sweep/runPlan.js';
import { withStore } from '../support/store.js';
import { ResultStore, type Checkpoint, type RunState } from '../../src/store/resultStore.js';
import type { InputIdentity } from '../../src/input/inputIdentity.js';
import { StoreError, UsageError } from '../../src/result/errors.js';
import { emptyRow } from '../../src/result/row.js';
import { defaultOptions, recordedOptions } from '../../src/options/sweepOptions.js';
import { NO_PROXY_AT_ALL } from '../../src/options/proxySettings.js';
import { VERSION } from '../../src/version.js';
import { tempDir } from '../support/simSweep.js';

const temp = tempDir();
after(() => temp.remove());

let dbCount = 0;
function dbPath(): string {
  return join(temp.dir, `plan-${++dbCount}.db`);
}

const INPUTS: InputIdentity[] = [
  { path: '/data/a.txt', size: 1000, fingerprint: 'f-a' },
  { path: '/data/b.txt', size: 2000, fingerprint: 'f-b' },
];
const OPTIONS = { concurrency: 512, method: 'HEAD', redo: [] as string[] };
const START: Checkpoint = { line: 0, input: 0, offset: 0 };


/** One earlier run, as the sweep records it: begun, rows written with their checkpoint, parked URLs, ended (unless still `running`). */
function recordRun(
  file: string,
  run: { options?: Record<string, unknown>; lines: number[]; checkpoint: Checkpoint; parked?: number[]; state: RunState },
): void {
  withStore(file, (store) => {
    store.beginRun(INPUTS, run.options ?? OPTIONS, VERSION, START);
    const rows = run.lines.map((line) => ({ ...emptyRow(line, `http://h${line}.test/`, `h${line}.test`), status: 200 }));
    const parked = (run.parked ?? []).map((line, i) => ({ seq: i + 1, line, host: `h${line}.test`, url: `http://h${line}.test/`, source: null }));
    store.write(rows, run.checkpoint, parked);
    if (run.state !== 'running') store.endRun(run.state);
  });
}

function plan(file: string, fresh = false, redo: string[] = [], options: Record<string, unknown> = OPTIONS, inputs = INPUTS): RunPlan {
  return withStore(file, (store) => planRun(store, inputs, options, fresh, redo));
}

/** Asserts that planning throws exactly this error class and message. */
function refused(file: string, kind: typeof UsageError | typeof StoreError, message: string, fresh = false, redo: string[] = [], inputs = INPUTS): void {
  assert.throws(() => plan(file, fresh, redo, OPTIONS, inputs), (err: Error) => {
    assert.equal(err.constructor, kind);
    assert.equal(err.message, message);
    return true;
  });
}

function previousState(file: string): { state: RunState | null; rows: number; parked: number } {
  return withStore(file, (store) => ({ state: store.previous()?.state ?? null, rows: store.rowCount(), parked: store.parkedCount() }));
}

describe('a database with no sweep yet', () => {
  test('a new sweep from the start of the input, with nothing earlier (with or without --fresh)', () => {
    const file = dbPath();
    const expected: RunPlan = { kind: 'sweep', from: START, earlierRows: 0, changedOptions: [], inputDone: false, startRedo: false };
    assert.deepEqual(plan(file), expected);
    assert.deepEqual(plan(file, true), expected);
  });

  test('--redo is refused: there is no finished sweep to redo part of', () => {
    const file = dbPath();
    refused(file, UsageError, `--redo needs a finished sweep to redo part of; ${file} holds none yet`, false, ['timeout']);
  });
});

describe('an unfinished sweep', () => {
  test('interrupted: resumes from its checkpoint (line, input, offset), with the rows it has and nothing read yet by a finished run', () => {
    const file = dbPath();
    // Line 9 was answered above the checkpoint (out of order): it counts among the rows.
    recordRun(file, { lines: [1, 2, 3, 9], checkpoint: { line: 3, input: 1, offset: 57 }, state: 'interrupted' });
    assert.deepEqual(plan(file), {
      kind: 'sweep', from: { line: 3, input: 1, offset: 57 }, earlierRows: 4, changedOptions: [], inputDone: false, startRedo: false,
    });
  });

  test('failed, or left running by this process or on another machine: resumed the same way', async () => {
    const resumed: RunPlan = { kind: 'sweep', from: { line: 2, input: 0, offset: 30 }, earlierRows: 2, changedOptions: [], inputDone: false, startRedo: false };
    const failed = dbPath();
    recordRun(failed, { lines: [1, 2], checkpoint: { line: 2, input: 0, offset: 30 }, state: 'failed' });
    assert.deepEqual(plan(failed), resumed);

    // beginRun records this process as the writer: a run it left behind is no other urlsweep.
    const ours = dbPath();
    recordRun(ours, { lines: [1, 2], checkpoint: { line: 2, input: 0, offset: 30 }, state: 'running' });
    assert.deepEqual(plan(ours), resumed);

    // A live process, but on another machine (a shared folder): its pid says nothing here.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      const elsewhere = dbPath();
      recordRun(elsewhere, { lines: [1, 2], checkpoint: { line: 2, input: 0, offset: 30 }, state: 'running' });
      withStore(elsewhere, (store) => store.db.prepare(`UPDATE runs SET pid = ?, hostname = 'another-machine'`).run(child.pid));
      assert.deepEqual(plan(elsewhere), resumed);
    } finally {
      child.kill();
      await exited;
    }
  });

  test('left running by a live urlsweep on this machine: refused, naming its pid, even with --fresh; resumed once it is gone', async () => {
    const file = dbPath();
    recordRun(file, { lines: [1, 2], checkpoint: { line: 2, input: 0, offset: 30 }, state: 'running' });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      withStore(file, (store) => store.db.prepare('UPDATE runs SET pid = ?').run(child.pid));
      const message = `${file} is being written by another urlsweep (pid ${child.pid}); wait for it to end, or stop it`;
      refused(file, StoreError, message);
      refused(file, StoreError, message, true);
      assert.deepEqual(previousState(file), { state: 'running', rows: 2, parked: 0 }, '--fresh discarded nothing');
    } finally {
      child.kill();
    }
    await exited;
    assert.deepEqual(plan(file), {
      kind: 'sweep', from: { line: 2, input: 0, offset: 30 }, earlierRows: 2, changedOptions: [], inputDone: false, startRedo: false,
    });
  });

  test('--redo on a first pass not finished is refused: finish it first', () => {
    const file = dbPath();
    recordRun(file, { lines: [1], checkpoint: { line: 1, input: 0, offset: 10 }, state: 'interrupted' });
    refused(file, UsageError, `the sweep in ${file} is not finished: run the same command without --redo to finish it first`, false, ['timeout']);
  });

  describe('a second pass interrupted', () => {
    const file = dbPath();
    const end: Checkpoint = { line: 4, input: 1, offset: 80 };
    const redoOptions = { ...OPTIONS, redo: ['timeout', '500'] };
    before(() => {
      withStore(file, (store) => {
        store.beginRun(INPUTS, OPTIONS, VERSION, START);
        const row = (line: number) => ({ ...emptyRow(line, `http://h${line}.test/`, `h${line}.test`), status: 200 });
        store.write([row(1), { ...row(2), outcome: 'timeout', status: null }, row(3), { ...row(4), status: 500 }], end);
        store.endRun('finished');
      });
      // The second pass parks lines 2 and 4 (their rows move to the history), answers line 2, and is interrupted.
      withStore(file, (store) => {
        store.beginRun(INPUTS, redoOptions, VERSION, end);
        assert.equal(store.redo(['timeout', '500']), 2);
        store.write([{ ...emptyRow(2, 'http://h2.test/', 'h2.test'), status: 200 }], null, [], [2]);
        store.endRun('interrupted');
      });
    });

    test('resumes with nothing left to read (only parked URLs), with the same --redo or none', () => {
      assert.deepEqual(plan(file, false, ['timeout', '500'], redoOptions), {
        kind: 'sweep', from: end, earlierRows: 3, changedOptions: [], inputDone: true, startRedo: false,
      });
      assert.deepEqual(plan(file, false, [], OPTIONS), {
        kind: 'sweep', from: end, earlierRows: 3, changedOptions: ['redo: ["timeout","500"] -> []'], inputDone: true, startRedo: false,
      });
    });

    test('another --redo is refused, naming the one it was started with', () => {
      refused(
        file,
        UsageError,
        `the sweep in ${file} is not finished: run the same command without --redo to finish it first (or with --redo timeout,500, as it was started)`,
        false,
        ['dns_error'],
      );
    });
  });
});

describe('a finished sweep', () => {
  const file = dbPath();
  const end: Checkpoint = { line: 5, input: 1, offset: 99 };
  before(() => recordRun(file, { lines: [1, 2, 3, 5], checkpoint: end, state: 'finished' }));

  test('is complete: nothing to do, whatever options changed', () => {
    assert.deepEqual(plan(file), { kind: 'complete' });
    assert.deepEqual(plan(file, false, [], { ...OPTIONS, concurrency: 8 }), { kind: 'complete' });
  });

  test('--redo starts a second pass: nothing left to read, its rows to redo parked now, --redo itself a changed option', () => {
    assert.deepEqual(plan(file, false, ['timeout'], { ...OPTIONS, redo: ['timeout'] }), {
      kind: 'sweep', from: end, earlierRows: 4, changedOptions: ['redo: [] -> ["timeout"]'], inputDone: true, startRedo: true,
    });
  });

  test('--redo with --fresh is refused, and nothing is discarded', () => {
    refused(file, UsageError, '--redo sweeps again part of a finished sweep; --fresh would discard it: choose one', true, ['timeout']);
    assert.deepEqual(previousState(file), { state: 'finished', rows: 4, parked: 0 });
  });
});

describe('--fresh', () => {
  test('discards the earlier sweep (runs, rows, parked URLs) and starts from the start, even of other input', () => {
    for (const inputs of [INPUTS, [INPUTS[0]!]]) {
      const file = dbPath();
      recordRun(file, { lines: [1, 2], parked: [3], checkpoint: { line: 2, input: 0, offset: 20 }, state: 'interrupted' });
      withStore(file, (store) => {
        assert.deepEqual(planRun(store, inputs, OPTIONS, true, []), {
          kind: 'sweep', from: START, earlierRows: 0, changedOptions: [], inputDone: false, startRedo: false,
        });
        assert.equal(store.previous(), null);
        assert.equal(store.db.prepare('SELECT count(*) FROM results').pluck().get(), 0);
        assert.equal(store.parkedCount(), 0);
      });
    }
  });
});

describe('other input', () => {
  test('is refused, saying what differs and the way out, and the database is left as it was', () => {
    const file = dbPath();
    recordRun(file, { lines: [1], checkpoint: { line: 1, input: 0, offset: 10 }, state: 'finished' });
    const [a, b] = INPUTS as [InputIdentity, InputIdentity];
    const cases: Array<[InputIdentity[], string]> = [
      [[a], 'it had 2 input(s), now 1'],
      [[a, { ...b, path: '/data/c.txt' }], 'input 2 was /data/b.txt, now /data/c.txt'],
      [[a, { ...b, size: 2001 }], '/data/b.txt changed size (2000 -> 2001 bytes)'],
      [[{ ...a, fingerprint: 'other' }, b], '/data/a.txt changed content'],
    ];
    for (const [inputs, why] of cases) {
      refused(file, UsageError, `${file} holds a sweep of other input (${why}); use another --db, or --fresh to discard that sweep`, false, [], inputs);
    }
    assert.deepEqual(previousState(file), { state: 'finished', rows: 1, parked: 0 });
  });
});

describe('the input read another way', () => {
  test('another --input-format or --column is refused, and a run from before them counts as text', () => {
    const file = dbPath();
    const csv = { ...OPTIONS, inputFormat: 'csv', column: 'website' };
    recordRun(file, { options: csv, lines: [1], checkpoint: { line: 1, input: 0, offset: -1 }, state: 'interrupted' });
    assert.equal(plan(file, false, [], csv).kind, 'sweep');
    const refusedAs = (options: Record<string, unknown>, now: string) =>
      assert.throws(
        () => plan(file, false, [], options),
        (err: Error) =>
          err instanceof UsageError &&
          err.message === `${file} holds a sweep of this input read as csv --column website; it is now read as ${now}: give the same --input-format and --column, another --db, or --fresh to discard that sweep`,
      );
    refusedAs({ ...csv, inputFormat: 'text', column: null }, 'text');
    refusedAs({ ...csv, column: '3' }, 'csv --column 3');
    const old = dbPath();
    recordRun(old, { lines: [1], checkpoint: { line: 1, input: 0, offset: 10 }, state: 'interrupted' });
    assert.deepEqual(plan(old, false, [], { ...OPTIONS, inputFormat: 'text', column: null }).kind, 'sweep');
    assert.throws(() => plan(old, false, [], csv), (err: Error) => err instanceof UsageError && err.message.includes('read as text; it is now read as csv --column website'));
  });
});

describe('shards', () => {
  test("a database holds one shard's sweep: another shard, or all lines, is refused; the same shard resumes", () => {
    const file = dbPath();
    const shard = { ...OPTIONS, shard: '0/4' };
    recordRun(file, { options: shard, lines: [1], checkpoint: { line: 4, input: 0, offset: 40 }, state: 'interrupted' });
    assert.equal(plan(file, false, [], shard).kind, 'sweep');
    const refused = (options: Record<string, unknown>, now: string) =>
      assert.throws(
        () => plan(file, false, [], options),
        (err: Error) =>
          err instanceof UsageError &&
          err.message === `${file} holds a sweep of shard 0/4 of this input; this run is of ${now}: each shard needs a database of its own (another --db), or --fresh to discard that sweep`,
      );
    refused({ ...OPTIONS, shard: '1/4' }, 'shard 1/4');
    refused({ ...OPTIONS, shard: '0/8' }, 'shard 0/8');
    refused({ ...OPTIONS, shard: null }, 'all lines (no --shard)');
    // A sweep of all lines (or from before --shard) is not a shard's either.
    const whole = dbPath();
    recordRun(whole, { lines: [1], checkpoint: { line: 1, input: 0, offset: 10 }, state: 'interrupted' });
    assert.throws(() => plan(whole, false, [], shard), (err: Error) => err instanceof UsageError && err.message.includes('holds a sweep of all lines (no --shard) of this input; this run is of shard 0/4'));
    assert.equal(plan(whole, true, [], shard).kind, 'sweep', '--fresh discards it');
  });
});

describe('changed options', () => {
  test('listed as `name: before -> now` in JSON, `unset` for one the earlier run did not record, never --fresh', () => {
    const file = dbPath();
    recordRun(file, {
      options: { concurrency: 512, method: 'HEAD', headers: ['x-a'], fresh: false, retired: 1 },
      lines: [1],
      checkpoint: { line: 1, input: 0, offset: 10 },
      state: 'interrupted',
    });
    const now = { concurrency: 64, method: 'HEAD', headers: ['x-a', 'x-b'], fresh: true, timeoutMs: 5000 };
    // An option the earlier run had and this one lacks (`retired`) is not listed: only this run's options are compared.
    assert.deepEqual(plan(file, false, [], now), {
      kind: 'sweep',
      from: { line: 1, input: 0, offset: 10 },
      earlierRows: 1,
      changedOptions: ['concurrency: 512 -> 64', 'headers: ["x-a"] -> ["x-a","x-b"]', 'timeoutMs: unset -> 5000'],
      inputDone: false,
      startRedo: false,
    });
  });

  test('as the sweep records them (recordedOptions): only what the user changed', () => {
    const file = dbPath();
    const base = { ...defaultOptions(), inputs: ['/data/a.txt'], db: file, threads: 2, proxy: NO_PROXY_AT_ALL };
    recordRun(file, { options: recordedOptions(base), lines: [1], checkpoint: { line: 1, input: 0, offset: 10 }, state: 'interrupted' });
    const now = recordedOptions({ ...base, concurrency: 64, fresh: true, headers: { authorization: 'secret' } });
    const planned = plan(file, false, [], now);
    assert.equal(planned.kind, 'sweep');
    assert.deepEqual(planned.kind === 'sweep' && planned.changedOptions, ['concurrency: 512 -> 64', 'headers: [] -> ["authorization"]']);
  });
});
