// The progress reporters (src/progress/reporters.ts): which one 'auto' picks, the bar on a terminal, a log line
// at most every LOG_EVERY_MS, NDJSON events, the resume notes, and notices shown whatever the mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createReporter, LOG_EVERY_MS, type ProgressMode } from '../../src/progress/reporters.js';
import type { ProgressSnapshot } from '../../src/sweep/sweepStats.js';
import type { SweepSummary } from '../../src/sweep/summary.js';
import { bareSummary } from '../support/summaries.js';

/** An output stream that keeps what is written, a terminal or not. */
class FakeStream extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {
    super({ decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
  /** What was written since the last call. */
  private seen = 0;
  fresh(): string {
    const text = this.text.slice(this.seen);
    this.seen = this.text.length;
    return text;
  }
}

function reporterOn(mode: ProgressMode, isTTY: boolean) {
  const out = new FakeStream(isTTY);
  return { out, reporter: createReporter(mode, out as unknown as NodeJS.WriteStream) };
}

/** A sweep in full flow: every optional part of the line is there. */
const busy: ProgressSnapshot = {
  recorded: 1_234_000,
  earlier: 567,
  failures: 42,
  inFlight: 64,
  hosts: { active: 12, slowed: 3, down: 2 },
  parked: 5000,
  notTried: 7,
  elapsedMs: LOG_EVERY_MS,
  rate: 1234.5,
  fraction: 0.25,
  etaMs: 30_000,
};
const busyLine = '1,234,567 done | 1,235/s | in flight 64 | hosts 12 (3 backing off, 2 down) | parked 5,000 | failures 42 (7 not tried)';

/** Nothing to tell: no optional part, and the input's size unknown (stdin). */
const quiet: ProgressSnapshot = {
  recorded: 0,
  earlier: 0,
  failures: 0,
  inFlight: 0,
  hosts: { active: 0, slowed: 0, down: 0 },
  parked: 0,
  notTried: 0,
  elapsedMs: LOG_EVERY_MS,
  rate: 0,
  fraction: null,
  etaMs: null,
};
const quietLine = '0 done | 0/s | in flight 0 | hosts 0 | failures 0';

const summary: SweepSummary = {
  ...bareSummary,
  byStatusClass: { '2xx': 2 },
  latency: { p50: 12, p90: 40, p99: 40 },
  indexMs: 5,
  peakRssMb: 80,
};

const fresh = { resumedFrom: 0, earlierRows: 0, changedOptions: [], parked: 0, redo: null };

// cli-progress's terminal codes (through node:readline): what the bar writes around its line.
const SAVE_CURSOR = '\x1B7';
const HIDE_CURSOR = '\x1B[?25l';
const NO_WRAP = '\x1B[?7l';
const SHOW_CURSOR = '\x1B[?25h';
const WRAP = '\x1B[?7h';
const RESTORE_CURSOR = '\x1B8';
/** Written when the bar starts, before its first line. */
const BAR_OPEN = SAVE_CURSOR + HIDE_CURSOR + NO_WRAP;
/** Written when the bar stops: the terminal as it was, and a new line under the bar. */
const BAR_CLOSE = SHOW_CURSOR + WRAP + RESTORE_CURSOR + '\n';
/** One drawing of the bar: back to column 1, the line, the rest of the line cleared. */
function frame(filled: number, percent: string, line: string, eta: string): string {
  const bar = '\u2588'.repeat(filled) + '\u2591'.repeat(24 - filled);
  return `\x1B[1G${bar} ${percent} | ${line} | ETA ${eta}\x1B[0K`;
}

test("'auto' draws the bar on a terminal and writes log lines otherwise", (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const terminal = reporterOn('auto', true);
  terminal.reporter.progress!(busy);
  terminal.reporter.stop(summary);
  assert.equal(terminal.out.text, BAR_OPEN + frame(6, ' 25%', busyLine, '30s') + BAR_CLOSE);

  const file = reporterOn('auto', false);
  file.reporter.progress!(busy);
  file.reporter.stop(summary);
  assert.equal(file.out.text, `[10s] ${busyLine} | 25.0% read, ETA 30s\n`);
});

test('a log line says what the snapshot holds, its optional parts only when they are not zero', () => {
  const lines: Array<[ProgressSnapshot, string]> = [
    [busy, `[10s] ${busyLine} | 25.0% read, ETA 30s`],
    [quiet, `[10s] ${quietLine}`],
    [{ ...quiet, hosts: { active: 5, slowed: 0, down: 4 } }, '[10s] 0 done | 0/s | in flight 0 | hosts 5 (4 down) | failures 0'],
    [{ ...quiet, hosts: { active: 5, slowed: 1, down: 0 } }, '[10s] 0 done | 0/s | in flight 0 | hosts 5 (1 backing off) | failures 0'],
    // Too little done to tell the time left.
    [{ ...quiet, fraction: 0.0004 }, `[10s] ${quietLine} | 0.0% read, ETA ?`],
    [{ ...busy, elapsedMs: 3_725_000, fraction: 0.9876, etaMs: 47_000 }, `[1h02m] ${busyLine} | 98.8% read, ETA 47s`],
  ];
  for (const [snapshot, line] of lines) {
    const { out, reporter } = reporterOn('log', false);
    reporter.progress!(snapshot);
    assert.equal(out.text, `${line}\n`);
  }
});

test('log mode writes a line at most every LOG_EVERY_MS, counted from the last line written', () => {
  const { out, reporter } = reporterOn('log', false);
  const at = (elapsedMs: number): string => {
    reporter.progress!({ ...quiet, elapsedMs });
    return out.fresh();
  };
  assert.equal(at(1000), '', 'nothing before the first LOG_EVERY_MS');
  assert.equal(at(LOG_EVERY_MS - 1), '');
  assert.equal(at(LOG_EVERY_MS), `[10s] ${quietLine}\n`);
  assert.equal(at(LOG_EVERY_MS + 1000), '');
  assert.equal(at(2 * LOG_EVERY_MS - 1), '');
  // A late snapshot: the next line is due LOG_EVERY_MS after it, not on the LOG_EVERY_MS grid.
  assert.equal(at(2 * LOG_EVERY_MS + 5000), `[25s] ${quietLine}\n`);
  assert.equal(at(3 * LOG_EVERY_MS), '');
  assert.equal(at(3 * LOG_EVERY_MS + 4999), '');
  assert.equal(at(3 * LOG_EVERY_MS + 5000), `[35s] ${quietLine}\n`);
});

test('log mode: indexing is said, and stop() writes nothing (the summary is printed by the caller)', () => {
  const { out, reporter } = reporterOn('log', false);
  reporter.indexing!(1_234_567);
  assert.equal(out.fresh(), 'Every URL has its row; building the indexes on 1,234,567 rows…\n');
  reporter.stop(summary);
  reporter.stop(null);
  assert.equal(out.fresh(), '');
});

const resumeNotes: Array<[string, Parameters<NonNullable<ReturnType<typeof createReporter>['start']>>[0], string]> = [
  ['a fresh sweep', fresh, ''],
  [
    'a resumed sweep',
    { ...fresh, earlierRows: 1_500_000, resumedFrom: 1_499_950 },
    'Resuming: 1,500,000 lines already recorded (checkpoint at line 1,499,950).\n',
  ],
  [
    'a resumed sweep with URLs parked',
    { ...fresh, earlierRows: 20, resumedFrom: 25, parked: 1234 },
    'Resuming: 20 lines already recorded (checkpoint at line 25).\n' +
      '1,234 URLs parked by the last run, waiting for their hosts, are taken back first.\n',
  ],
  [
    'a URL parked by a run that recorded nothing',
    { ...fresh, parked: 1 },
    'Resuming: 0 lines already recorded (checkpoint at line 0).\n' +
      '1 URLs parked by the last run, waiting for their hosts, are taken back first.\n',
  ],
  [
    'a resumed sweep with options changed',
    { ...fresh, earlierRows: 20, resumedFrom: 20, changedOptions: ['concurrency: 256 -> 512', 'timeout: 10000 -> 5000'] },
    'Resuming: 20 lines already recorded (checkpoint at line 20).\n' +
      'Options changed since the last run, applied to the lines left: concurrency: 256 -> 512; timeout: 10000 -> 5000\n',
  ],
  [
    'options changed since a run that recorded nothing',
    { ...fresh, changedOptions: ['retries: 2 -> 0'] },
    'Options changed since the last run, applied to the lines left: retries: 2 -> 0\n',
  ],
  [
    'a second pass (--redo), its parked rows not counted again',
    { ...fresh, earlierRows: 4000, resumedFrom: 4000, parked: 2500, redo: 2500 },
    'Second pass: 2,500 rows are swept again; the rows they replace are kept in results_history.\n',
  ],
  [
    'a second pass with options changed',
    { ...fresh, earlierRows: 10, resumedFrom: 10, parked: 2, redo: 2, changedOptions: ['retries: 2 -> 0'] },
    'Second pass: 2 rows are swept again; the rows they replace are kept in results_history.\n' +
      'Options changed since the last run, applied to the lines left: retries: 2 -> 0\n',
  ],
];

test('the resume notes, in log and bar mode, on a terminal or not', () => {
  for (const [mode, isTTY] of [['log', false], ['bar', true], ['bar', false], ['auto', true], ['auto', false]] as const) {
    for (const [what, info, note] of resumeNotes) {
      const { out, reporter } = reporterOn(mode, isTTY);
      reporter.start!(info);
      assert.equal(out.text, note, `${what}, ${mode} mode${isTTY ? ' on a terminal' : ''}`);
    }
  }
});

test("'none' shows no progress, no resume note and no indexing: it has no such listener (no progress timer is set)", () => {
  const { out, reporter } = reporterOn('none', true);
  assert.equal(reporter.progress, undefined);
  assert.equal(reporter.start, undefined);
  assert.equal(reporter.indexing, undefined);
  reporter.stop(summary);
  reporter.stop(null);
  assert.equal(out.text, '');
});

test('notices are printed in every mode, as a line, or as an event in json mode', (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const text = 'Open files limit raised to 4096; --concurrency lowered to 2000.';
  for (const mode of ['auto', 'bar', 'log', 'none'] as const) {
    for (const isTTY of [true, false]) {
      const { out, reporter } = reporterOn(mode, isTTY);
      reporter.notice!(text);
      assert.equal(out.text, `${text}\n`, `${mode} mode${isTTY ? ' on a terminal' : ''}`);
    }
  }
  const { out, reporter } = reporterOn('json', false);
  reporter.notice!(text);
  assert.equal(out.text, `{"event":"notice","text":${JSON.stringify(text)}}\n`);
});

test('json mode writes one NDJSON event per call: start, notice, every progress snapshot, indexing, summary', () => {
  const { out, reporter } = reporterOn('json', false);
  const resumed = { resumedFrom: 120, earlierRows: 100, changedOptions: ['retries: 2 -> 0'], parked: 4, redo: null };
  reporter.start!(resumed);
  reporter.notice!('careful');
  // No throttling: a program gets every snapshot, even 1 ms apart; the rate is rounded.
  reporter.progress!({ ...busy, elapsedMs: 1000 });
  reporter.progress!({ ...quiet, elapsedMs: 1001, rate: 0.4 });
  reporter.indexing!(1_234_567);
  reporter.stop(summary);
  assert.ok(out.text.endsWith('\n'));
  const events = out.text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as unknown);
  assert.deepEqual(events, [
    { event: 'start', ...resumed },
    { event: 'notice', text: 'careful' },
    { event: 'progress', ...busy, elapsedMs: 1000, rate: 1235 },
    { event: 'progress', ...quiet, elapsedMs: 1001, rate: 0 },
    { event: 'indexing', rows: 1_234_567 },
    { event: 'summary', ...summary },
  ]);
});

test('json mode: a fresh sweep has its start event too, and stop(null) after a failure writes no summary', () => {
  const { out, reporter } = reporterOn('json', false);
  reporter.start!(fresh);
  assert.equal(out.fresh(), '{"event":"start","resumedFrom":0,"earlierRows":0,"changedOptions":[],"parked":0,"redo":null}\n');
  reporter.progress!(quiet);
  out.fresh();
  reporter.stop(null);
  assert.equal(out.fresh(), '');
});

test('the bar on a terminal: drawn on start, redrawn on its timer when the line changed, closed on stop', (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const { out, reporter } = reporterOn('bar', true);
  reporter.progress!({ ...busy, fraction: null, etaMs: null });
  assert.equal(out.fresh(), BAR_OPEN + frame(0, '  ?%', busyLine, '?'));
  // An update is drawn by the bar's timer (4 fps), not at once.
  reporter.progress!({ ...busy, fraction: 0.5, etaMs: 65_000 });
  assert.equal(out.fresh(), '');
  t.mock.timers.tick(250);
  assert.equal(out.fresh(), frame(12, ' 50%', busyLine, '1m05s'));
  // The same line is not drawn again.
  reporter.progress!({ ...busy, fraction: 0.5, etaMs: 65_000 });
  t.mock.timers.tick(1000);
  assert.equal(out.fresh(), '');
  reporter.progress!({ ...quiet, fraction: 1, etaMs: 0 });
  reporter.stop(summary);
  assert.equal(out.fresh(), frame(24, '100%', quietLine, '0s') + BAR_CLOSE);
  // Stopped for good: its timer is gone, and a second stop() does nothing.
  t.mock.timers.tick(60_000);
  reporter.stop(summary);
  assert.equal(out.fresh(), '');
});

test('the bar is closed before indexing is said, and not closed twice', (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const { out, reporter } = reporterOn('bar', true);
  reporter.progress!(busy);
  out.fresh();
  reporter.progress!({ ...quiet, fraction: 1, etaMs: 0 });
  reporter.indexing!(42);
  assert.equal(
    out.fresh(),
    frame(24, '100%', quietLine, '0s') + BAR_CLOSE + 'Every URL has its row; building the indexes on 42 rows…\n',
  );
  reporter.stop(summary);
  t.mock.timers.tick(60_000);
  assert.equal(out.fresh(), '');
});

test('stop(null) after a failure: the bar is left as it was and the terminal restored; nothing from the others', (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const bar = reporterOn('bar', true);
  bar.reporter.progress!(busy);
  bar.out.fresh();
  bar.reporter.stop(null);
  assert.equal(bar.out.fresh(), BAR_CLOSE);
  t.mock.timers.tick(60_000);
  assert.equal(bar.out.fresh(), '');

  // A sweep that failed before its first snapshot: the bar never started, nothing to close.
  const early = reporterOn('bar', true);
  early.reporter.stop(null);
  assert.equal(early.out.text, '');

  for (const mode of ['log', 'json', 'none'] as const) {
    const { out, reporter } = reporterOn(mode, false);
    reporter.progress?.(busy);
    out.fresh();
    reporter.stop(null);
    assert.equal(out.fresh(), '', mode);
  }
});

test("'bar' asked for where there is no terminal draws nothing (cli-progress needs a TTY), but notes still show", (t) => {
  t.mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 0 });
  const { out, reporter } = reporterOn('bar', false);
  reporter.start!({ ...fresh, earlierRows: 5, resumedFrom: 5 });
  reporter.progress!(busy);
  reporter.progress!({ ...busy, fraction: 0.75 });
  t.mock.timers.tick(10_000);
  reporter.indexing!(7);
  reporter.stop(summary);
  t.mock.timers.tick(10_000);
  assert.equal(
    out.text,
    'Resuming: 5 lines already recorded (checkpoint at line 5).\n' + 'Every URL has its row; building the indexes on 7 rows…\n',
  );
});
