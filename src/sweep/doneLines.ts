// Lines above the checkpoint that a resumed sweep must not sweep again: those with a row, and those
// parked. With a frontier the checkpoint can lag well behind the reader (a slow host's URLs hold it), so
// there can be millions of them; they are read from the database a window of lines at a time, as the
// reader reaches them, never all at once. Rows and parked URLs of a window are read in one statement:
// a URL parked then answered (moved from `pending` to `results`) is seen in exactly one of the two.
import type { ResultStore } from '../store/resultStore.js';

/** Lines per window: at most this many numbers in memory. */
const WINDOW = 65_536;

export class DoneLines {
  private lines: number[] = [];
  private next = 0;
  /** The window read covers lines up to here. */
  private through: number;
  /** No line above this was done when the run started; lines above it are new to this run. */
  private readonly last: number;

  constructor(
    private readonly store: ResultStore,
    checkpoint: number,
  ) {
    this.through = checkpoint;
    this.last = store.lastLineDone();
  }

  /** Whether the line is done already; ask in increasing line order. */
  has(line: number): boolean {
    if (line > this.last) return false;
    if (line > this.through) {
      this.through = Math.min(this.last, line + WINDOW - 1);
      this.lines = this.store.linesDone(line, this.through);
      this.next = 0;
    }
    while (this.next < this.lines.length && this.lines[this.next]! < line) this.next++;
    return this.lines[this.next] === line;
  }
}
