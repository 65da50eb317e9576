// Groups writes into transactions: one per FLUSH_MS or FLUSH_ROWS writes, each carrying the checkpoint
// that its rows and parked URLs complete. Big transactions are what make SQLite fast; a short interval
// bounds what a crash can take back.
import type { Job, ResultRow } from '../messages.js';
import type { CheckpointTracker } from './checkpoint.js';
import type { Checkpoint, Parked, ResultStore } from './resultStore.js';

export const FLUSH_ROWS = 8192;
const FLUSH_MS = 250;

export class BatchWriter {
  private rows: ResultRow[] = [];
  private parked: Parked[] = [];
  private unparked: number[] = [];
  /** What this batch parks per host, and the lines it unparks: the frontier must not read those back stale. */
  private parkedByHost = new Map<string, number>();
  private unparkedLines = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  private lastLine = -1;
  private failure: Error | null = null;

  constructor(
    private readonly store: ResultStore,
    private readonly checkpoint: CheckpointTracker,
  ) {
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  /** The first write error (disk full, read-only, …); the sweep stops on it. */
  get error(): Error | null {
    return this.failure;
  }

  add(row: ResultRow): void {
    this.rows.push(row);
    this.grew();
  }

  /** Parks a URL in `pending` at place `seq` (see the frontier). */
  park(seq: number, job: Job): void {
    this.parked.push({ seq, line: job.line, host: job.host, url: job.text, source: job.source ?? null });
    this.parkedByHost.set(job.host, (this.parkedByHost.get(job.host) ?? 0) + 1);
    this.grew();
  }

  /** A parked URL's result is among the rows: its parking place goes in the same transaction. */
  unpark(line: number): void {
    this.unparked.push(line);
    this.unparkedLines.add(line);
  }

  /** URLs of this host parked and not written yet: they cannot be read back before. */
  holdsParked(host: string): boolean {
    return this.parkedByHost.has(host);
  }

  /** This line's parking place is deleted with the next transaction: it is answered, whatever the database says. */
  unparking(line: number): boolean {
    return this.unparkedLines.has(line);
  }

  private grew(): void {
    if (this.rows.length + this.parked.length >= FLUSH_ROWS) this.flush();
  }

  flush(): void {
    if (this.failure) return;
    const checkpoint: Checkpoint = this.checkpoint.current;
    const empty = this.rows.length === 0 && this.parked.length === 0 && this.unparked.length === 0;
    if (empty && checkpoint.line === this.lastLine) return;
    try {
      this.store.write(this.rows, checkpoint.line === this.lastLine ? null : checkpoint, this.parked, this.unparked);
      this.rows = [];
      this.parked = [];
      this.unparked = [];
      this.parkedByHost.clear();
      this.unparkedLines.clear();
      this.lastLine = checkpoint.line;
    } catch (err) {
      this.failure = err as Error;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
