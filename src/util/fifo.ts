// A first-in first-out queue over an array with a moving head. Taking from the head is O(1); a taken
// slot lets go of its item at once, and the taken slots are cut off once they outnumber what is left, so
// the array never holds on to what was taken. (A busy host's queue, never empty for long, used to keep every URL it had ever been given:
// memory that grew with the input.)
const COMPACT_AFTER = 1024;

export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head]!;
    // The slot lets go of the item at once; the array itself is cut down below.
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) this.clear();
    else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Puts back at the head what was just taken and cannot go yet. */
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  /** Takes everything left, in order. */
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.clear();
    return rest;
  }

  private clear(): void {
    this.items = [];
    this.head = 0;
  }
}
