// Unit tests for the checkpoint watermark: contiguous completion, consistent positions, scale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointTracker } from '../../src/store/checkpoint.js';
import type { Checkpoint } from '../../src/store/resultStore.js';
import { seededRandom as random } from '../../src/util/seededRandom.js';

const START: Checkpoint = { line: 0, input: 0, offset: 0 };

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A made-up input layout: 11 bytes a line, a new input every 150 lines. */
function position(line: number): Checkpoint {
  const input = Math.floor((line - 1) / 150);
  return { line, input, offset: ((line - 1) % 150) * 11 + 11 };
}

function readAll(tracker: CheckpointTracker, first: number, last: number): void {
  for (let line = first; line <= last; line++) {
    const p = position(line);
    tracker.read(p.line, p.input, p.offset);
  }
}

test('a new tracker stands at its starting checkpoint', () => {
  const tracker = new CheckpointTracker(START);
  assert.equal(tracker.line, 0);
  assert.deepEqual(tracker.current, START);
});

test('completing lines out of order advances only over the contiguous prefix', () => {
  const tracker = new CheckpointTracker(START);
  readAll(tracker, 1, 6);
  tracker.complete(3);
  tracker.complete(2);
  assert.equal(tracker.line, 0, 'line 1 is still open');
  tracker.complete(5);
  tracker.complete(1);
  assert.equal(tracker.line, 3, '1..3 are done, 4 is open');
  tracker.complete(6);
  assert.equal(tracker.line, 3);
  tracker.complete(4);
  assert.equal(tracker.line, 6);
});

test('completing a line twice changes nothing', () => {
  const tracker = new CheckpointTracker(START);
  readAll(tracker, 1, 3);
  tracker.complete(1);
  tracker.complete(1);
  tracker.complete(3);
  tracker.complete(3);
  assert.equal(tracker.line, 1);
  tracker.complete(2);
  assert.equal(tracker.line, 3);
});

test('current is always a line at or below the watermark, with the exact position read() was given for it', () => {
  const rand = random(7);
  const tracker = new CheckpointTracker(START);
  const total = 1000;
  readAll(tracker, 1, total);
  const done = new Array<boolean>(total + 2).fill(false);
  let prefix = 0;
  let moved = 0;
  for (const line of shuffle(Array.from({ length: total }, (_, i) => i + 1), rand)) {
    tracker.complete(line);
    done[line] = true;
    while (done[prefix + 1]) prefix++;
    assert.equal(tracker.line, prefix, `watermark after completing ${line}`);
    const current = tracker.current;
    assert.ok(current.line <= tracker.line, `current ${current.line} is not above the watermark ${tracker.line}`);
    if (current.line === 0) assert.deepEqual(current, START);
    else {
      assert.deepEqual(current, position(current.line), `position of line ${current.line}`);
      moved++;
    }
  }
  assert.ok(moved > 0, 'current moved at some point');
  assert.deepEqual(tracker.current, position(total));
});

test('current lands on the latest line read once everything read is complete', () => {
  const tracker = new CheckpointTracker(START);
  readAll(tracker, 1, 10);
  for (const line of [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]) tracker.complete(line);
  assert.equal(tracker.line, 10);
  assert.deepEqual(tracker.current, position(10));

  readAll(tracker, 11, 157); // crosses into the second input at line 151
  for (let line = 157; line >= 11; line--) tracker.complete(line);
  assert.equal(tracker.line, 157);
  assert.deepEqual(tracker.current, { line: 157, input: 1, offset: 77 });
});

test('a watermark that stops short of the latest line read still gives a consistent current', () => {
  const tracker = new CheckpointTracker(START);
  readAll(tracker, 1, 200);
  for (let line = 1; line <= 150; line++) tracker.complete(line);
  assert.equal(tracker.line, 150);
  const current = tracker.current;
  assert.ok(current.line >= 1 && current.line <= 150);
  assert.deepEqual(current, position(current.line));
});

test('a tracker built from a checkpoint ignores lines at or below it', () => {
  const from: Checkpoint = { line: 1000, input: 2, offset: 5000 };
  const tracker = new CheckpointTracker(from);
  assert.equal(tracker.line, 1000);
  assert.deepEqual(tracker.current, from);
  tracker.complete(1);
  tracker.complete(999);
  tracker.complete(1000);
  assert.equal(tracker.line, 1000);
  assert.deepEqual(tracker.current, from);

  tracker.read(1001, 2, 5011);
  tracker.read(1002, 2, 5022);
  tracker.complete(1002);
  assert.equal(tracker.line, 1000, 'line 1001 is still open');
  tracker.complete(1001);
  assert.equal(tracker.line, 1002);
  assert.deepEqual(tracker.current, { line: 1002, input: 2, offset: 5022 });
});

test('1 000 000 lines completed in shuffled blocks of 1000 end with the watermark at 1 000 000', () => {
  const rand = random(42);
  const tracker = new CheckpointTracker(START);
  const block = Array.from({ length: 1000 }, (_, i) => i);
  for (let base = 0; base < 1_000_000; base += 1000) {
    for (let i = 1; i <= 1000; i++) tracker.read(base + i, 0, (base + i) * 20);
    for (const i of shuffle(block, rand)) tracker.complete(base + i + 1);
    assert.equal(tracker.line, base + 1000);
  }
  assert.equal(tracker.line, 1_000_000);
  assert.deepEqual(tracker.current, { line: 1_000_000, input: 0, offset: 20_000_000 });
});

test('1 000 000 lines completed from a sliding window of 1000 in flight end at 1 000 000', () => {
  const rand = random(1234);
  const tracker = new CheckpointTracker(START);
  const window: number[] = [];
  let next = 1;
  let completed = 0;
  while (completed < 1_000_000) {
    while (window.length < 1000 && next <= 1_000_000) {
      tracker.read(next, 0, next * 20);
      window.push(next++);
    }
    const i = Math.floor(rand() * window.length);
    const line = window[i]!;
    window[i] = window[window.length - 1]!;
    window.pop();
    tracker.complete(line);
    completed++;
    if (completed % 997 === 0 && window.length > 0) {
      // Every line below the lowest one still in flight is done, and nothing at or above it counts.
      assert.equal(tracker.line, Math.min(...window) - 1);
    }
  }
  assert.equal(tracker.line, 1_000_000);
  assert.deepEqual(tracker.current, { line: 1_000_000, input: 0, offset: 20_000_000 });
});

test('one line held back while 200 000 later lines complete, then completed, moves the watermark to the end', () => {
  const tracker = new CheckpointTracker(START);
  for (let line = 1; line <= 200_001; line++) tracker.read(line, 0, line * 10);
  for (let line = 2; line <= 200_001; line++) tracker.complete(line);
  assert.equal(tracker.line, 0);
  assert.deepEqual(tracker.current, START);
  tracker.complete(1);
  assert.equal(tracker.line, 200_001);
  assert.deepEqual(tracker.current, { line: 200_001, input: 0, offset: 2_000_010 });
});

test('a line held back in the middle of a long run stops the watermark just below it', () => {
  const tracker = new CheckpointTracker(START);
  for (let line = 1; line <= 100_000; line++) tracker.read(line, 0, line * 10);
  for (let line = 1; line <= 100_000; line++) if (line !== 70_001) tracker.complete(line);
  assert.equal(tracker.line, 70_000);
  const current = tracker.current;
  assert.ok(current.line <= 70_000 && current.line > 69_000, `current ${current.line} is near the watermark`);
  assert.equal(current.offset, current.line * 10);
  tracker.complete(70_001);
  assert.equal(tracker.line, 100_000);
  assert.deepEqual(tracker.current, { line: 100_000, input: 0, offset: 1_000_000 });
});
