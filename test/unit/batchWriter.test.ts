// The batch writer (src/store/batchWriter.ts): rows, parked URLs and the checkpoint go in one write per
// batch; a write that fails (disk full) is kept as the sweep's error and nothing more is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchWriter } from '../../src/store/batchWriter.js';
import { CheckpointTracker } from '../../src/store/checkpoint.js';
import type { Checkpoint, Parked, ResultStore } from '../../src/store/resultStore.js';
import { invalidRow } from '../../src/result/row.js';

interface Write {
  lines: number[];
  checkpoint: Checkpoint | null;
  parked: Parked[];
  unparked: number[];
}

/** A store that records what it is asked to write, and fails when told to. */
function fakeStore(): { store: ResultStore; writes: Write[]; failWith: Error | null } {
  const fake = { writes: [] as Write[], failWith: null as Error | null, store: null as unknown as ResultStore };
  fake.store = {
    write(rows: { line: number }[], checkpoint: Checkpoint | null, parked: Parked[], unparked: number[]) {
      if (fake.failWith) throw fake.failWith;
      fake.writes.push({ lines: rows.map((r) => r.line), checkpoint, parked: [...parked], unparked: [...unparked] });
    },
  } as unknown as ResultStore;
  return fake;
}

const start: Checkpoint = { line: 0, input: 0, offset: 0 };

test('a batch carries its rows, its parked and unparked URLs, and the checkpoint they complete', () => {
  const fake = fakeStore();
  const tracker = new CheckpointTracker(start);
  const writer = new BatchWriter(fake.store, tracker);
  try {
    for (const line of [1, 2]) tracker.read(line, 0, line * 10);
    writer.add(invalidRow(1, 'x', 'C', 'm'));
    tracker.complete(1);
    writer.park(7, { line: 2, text: 'http://a.test/', target: 'http://a.test/', host: 'a.test', bare: false });
    tracker.complete(2);
    assert.equal(writer.holdsParked('a.test'), true, 'not readable back before it is written');
    writer.unpark(5);
    assert.equal(writer.unparking(5), true);
    writer.flush();
    assert.deepEqual(fake.writes, [
      { lines: [1], checkpoint: { line: 2, input: 0, offset: 20 }, parked: [{ seq: 7, line: 2, host: 'a.test', url: 'http://a.test/', source: null }], unparked: [5] },
    ]);
    assert.equal(writer.holdsParked('a.test'), false);
    assert.equal(writer.unparking(5), false);
    writer.flush();
    assert.equal(fake.writes.length, 1, 'nothing new, checkpoint unchanged: no write');
  } finally {
    writer.close();
  }
});

test('a failed write is the sweep\'s error, and nothing is written after it', () => {
  const fake = fakeStore();
  const tracker = new CheckpointTracker(start);
  const writer = new BatchWriter(fake.store, tracker);
  try {
    tracker.read(1, 0, 10);
    writer.add(invalidRow(1, 'x', 'C', 'm'));
    tracker.complete(1);
    fake.failWith = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    writer.flush();
    assert.equal(writer.error, fake.failWith);
    fake.failWith = null;
    tracker.read(2, 0, 20);
    writer.add(invalidRow(2, 'y', 'C', 'm'));
    writer.flush();
    assert.deepEqual(fake.writes, [], 'after a failure the writer stops: the sweep ends on the error');
  } finally {
    writer.close();
  }
});
