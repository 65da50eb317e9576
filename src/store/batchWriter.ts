// Groups rows into transactions: one per FLUSH_MS or FLUSH_ROWS rows, each carrying the checkpoint
// that its rows complete. Big transactions are what make SQLite fast; a short interval bounds what a
// crash can take back.
import type { ResultRow } from '../messages.js';
import type { CheckpointTracker } from '../checkpoint.js';
import type { ResultStore } from './resultStore.js';

const FLUSH_ROWS = 8192;
const FLUSH_MS = 250;

export class BatchWriter {
  private rows: ResultRow[] = [];
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
    if (this.rows.length >= FLUSH_ROWS) this.flush();
  }

  flush(): void {
    if (this.failure) return;
    const checkpoint = this.checkpoint.current;
    if (this.rows.length === 0 && checkpoint.line === this.lastLine) return;
    try {
      this.store.write(this.rows, checkpoint.line === this.lastLine ? null : checkpoint);
      this.rows = [];
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
