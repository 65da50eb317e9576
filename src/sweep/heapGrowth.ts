// How far V8 lets a heap grow before it collects it in full. After each full collection V8 allows the old
// generation to grow by a factor it picks from the allocation rate, up to 4x what survived. A sweep's
// threads allocate fast (rows, jobs, answers) and keep little (17 MB live in the coordinator at 16k URLs/s),
// so V8 picks the top factor: the coordinator's old space reached 92 MB of mostly garbage before each
// collection, and that garbage set the sweep's peak memory (332 MiB over 100M lines, 300 MB asked).
// Growing by half instead, 2M URLs: old space at most 34-37 MB, peak RSS 298/284 → 248/254 MB at the same
// rate (BENCHMARKS.md section 8). The flag is V8's, process-wide: it reaches the worker threads too.
import { setFlagsFromString } from 'node:v8';

/** Growth allowed after a full collection, percent of what survived it. */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = /--heap[-_]growing[-_]percent\b/;

/**
 * Bounds heap growth for the rest of the process, unless node was started with its own
 * `--heap-growing-percent` (NODE_OPTIONS refuses it), which is left as it is.
 */
export function boundHeapGrowth(): void {
  if (process.execArgv.some((a) => FLAG.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
