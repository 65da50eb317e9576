// Progress on stderr, as the user chose: a live bar on a terminal, a plain line every ten seconds
// otherwise, or NDJSON events for programs. The sweep only emits snapshots; these decide how to show them.
import cliProgress from 'cli-progress';
import type { SweepListener } from '../sweep/sweep.js';
import type { ProgressSnapshot } from '../sweep/sweepStats.js';
import type { SweepSummary } from '../sweep/summary.js';
import { count, duration } from './format.js';

export type ProgressMode = 'auto' | 'bar' | 'log' | 'json' | 'none';

export interface Reporter extends SweepListener {
  /** Called once when the sweep ends (or fails), before the summary is printed. */
  stop(summary: SweepSummary | null): void;
}

export const LOG_EVERY_MS = 10_000;

export function createReporter(mode: ProgressMode, out: NodeJS.WriteStream = process.stderr): Reporter {
  const chosen = mode === 'auto' ? (out.isTTY ? 'bar' : 'log') : mode;
  if (chosen === 'bar') return barReporter(out);
  if (chosen === 'log') return logReporter(out);
  if (chosen === 'json') return jsonReporter(out);
  return { notice: noticeLine(out), stop() {} };
}

/** Notices are printed whatever the progress mode: they say the sweep is not running as asked. */
function noticeLine(out: NodeJS.WritableStream): SweepListener['notice'] {
  return (text) => out.write(`${text}\n`);
}

function resumeNote(out: NodeJS.WritableStream): SweepListener['start'] {
  return ({ resumedFrom, earlierRows, changedOptions, parked, redo }) => {
    if (redo !== null) {
      out.write(`Second pass: ${count(redo)} rows are swept again; the rows they replace are kept in results_history.\n`);
    } else if (earlierRows > 0 || resumedFrom > 0 || parked > 0) {
      out.write(`Resuming: ${count(earlierRows)} lines already recorded (checkpoint at line ${count(resumedFrom)}).\n`);
      if (parked > 0) out.write(`${count(parked)} URLs parked by the last run, waiting for their hosts, are taken back first.\n`);
    }
    // Said even when the last run recorded nothing (it died before its first batch): the options still changed.
    if (changedOptions.length > 0) out.write(`Options changed since the last run, applied to the lines left: ${changedOptions.join('; ')}\n`);
  };
}

/** Building the indexes takes minutes on 100M rows: say so, or the sweep looks stuck at 100%. */
function indexingLine(out: NodeJS.WritableStream): SweepListener['indexing'] {
  return (rows) => out.write(`Every URL has its row; building the indexes on ${count(rows)} rows…\n`);
}

function describe(s: ProgressSnapshot): string {
  const h = s.hosts;
  const hosts = [h.slowed > 0 ? `${count(h.slowed)} backing off` : '', h.down > 0 ? `${count(h.down)} down` : ''].filter(Boolean).join(', ');
  return (
    `${count(s.recorded + s.earlier)} done | ${count(s.rate)}/s | in flight ${count(s.inFlight)} | ` +
    `hosts ${count(h.active)}${hosts ? ` (${hosts})` : ''}${s.parked > 0 ? ` | parked ${count(s.parked)}` : ''} | ` +
    `failures ${count(s.failures)}${s.notTried > 0 ? ` (${count(s.notTried)} not tried)` : ''}`
  );
}

function barReporter(out: NodeJS.WriteStream): Reporter {
  const bar = new cliProgress.SingleBar(
    {
      stream: out,
      format: '{bar} {percent} | {line} | ETA {eta_text}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      fps: 4,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    start: resumeNote(out),
    notice: noticeLine(out),
    progress(s) {
      const payload = {
        percent: s.fraction === null ? '  ?%' : `${(s.fraction * 100).toFixed(0).padStart(3)}%`,
        line: describe(s),
        eta_text: duration(s.etaMs),
      };
      const value = Math.round((s.fraction ?? 0) * 1000);
      if (!started) {
        bar.start(1000, value, payload);
        started = true;
      } else bar.update(value, payload);
    },
    indexing(rows) {
      if (started) bar.stop();
      started = false;
      indexingLine(out)!(rows);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function logReporter(out: NodeJS.WritableStream): Reporter {
  let last = 0;
  return {
    start: resumeNote(out),
    notice: noticeLine(out),
    indexing: indexingLine(out),
    progress(s) {
      if (s.elapsedMs - last < LOG_EVERY_MS) return;
      last = s.elapsedMs;
      const share = s.fraction === null ? '' : ` | ${(s.fraction * 100).toFixed(1)}% read, ETA ${duration(s.etaMs)}`;
      out.write(`[${duration(s.elapsedMs)}] ${describe(s)}${share}\n`);
    },
    stop() {},
  };
}

function jsonReporter(out: NodeJS.WritableStream): Reporter {
  const emit = (event: object): void => {
    out.write(JSON.stringify(event) + '\n');
  };
  return {
    start: (info) => emit({ event: 'start', ...info }),
    notice: (text) => emit({ event: 'notice', text }),
    indexing: (rows) => emit({ event: 'indexing', rows }),
    progress: (s) => emit({ event: 'progress', ...s, rate: Math.round(s.rate) }),
    stop: (summary) => {
      if (summary) emit({ event: 'summary', ...summary });
    },
  };
}
