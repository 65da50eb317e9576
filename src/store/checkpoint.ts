// Tracks the checkpoint: the highest line L such that every line up to L has its row (or needs none),
// and where the input stands after L. Results come back out of order; completed lines above the
// watermark are kept as bits, so one slow URL holding the watermark back costs a bit per line, not an object.
import type { Checkpoint } from './resultStore.js';

/** Byte positions are remembered every this many lines; a resume re-reads at most this many. */
const POSITION_EVERY = 64;

export class CheckpointTracker {
  private words = new Uint32Array(1024);
  /** Line number of bit 0 of words[0]. */
  private base: number;
  private watermark: number;
  private readonly positions = new Map<number, Checkpoint>();
  private best: Checkpoint;
  /** The newest line read: when the watermark reaches it, it is the checkpoint. */
  private latest: Checkpoint;

  constructor(from: Checkpoint) {
    this.watermark = from.line;
    this.base = from.line + 1;
    this.best = from;
    this.latest = from;
  }

  /** The reader saw this line at this position (offset just after it). */
  read(line: number, input: number, offsetAfter: number): void {
    this.latest = { line, input, offset: offsetAfter };
    if (line % POSITION_EVERY === 0) this.positions.set(line, this.latest);
  }

  /**
   * This line is done: recorded, parked, or needing no row. A line the reader has not reached yet (taken
   * back from an earlier run's parked URLs) is left for the reader, which finds it done when it gets there.
   */
  complete(line: number): void {
    if (line > this.latest.line) return;
    const bit = line - this.base;
    if (bit < 0) return;
    const word = bit >>> 5;
    if (word >= this.words.length) this.grow(word);
    this.words[word]! |= 1 << (bit & 31);
    if (line === this.watermark + 1) this.advance();
  }

  /** The latest consistent checkpoint: a line that is done with everything before it, and its position. */
  get current(): Checkpoint {
    return this.best;
  }

  get line(): number {
    return this.watermark;
  }

  private advance(): void {
    let bit = this.watermark + 1 - this.base;
    while (this.words[bit >>> 5]! & (1 << (bit & 31))) {
      bit++;
      this.watermark++;
      const position = this.positions.get(this.watermark);
      if (position) {
        this.positions.delete(this.watermark);
        this.best = position;
      }
    }
    if (this.latest.line === this.watermark) this.best = this.latest;
    // Drop whole words below the watermark so the bitset only spans lines still in the air.
    const drop = (this.watermark + 1 - this.base) >>> 5;
    if (drop >= 256) {
      this.words = this.words.slice(drop, Math.max(drop + 1024, this.words.length));
      this.base += drop * 32;
    }
  }

  private grow(word: number): void {
    const bigger = new Uint32Array(Math.max(word + 1, this.words.length * 2));
    bigger.set(this.words);
    this.words = bigger;
  }
}
