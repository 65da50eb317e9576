// Open files against --concurrency, checked before the first request: every request in flight holds a
// socket, and each worker keeps up to a budget of idle origins' connections for reuse. Node itself
// raises the soft limit to the hard one when it starts, so what is left is to run at a concurrency that
// fits, and say so — instead of failing URLs with EMFILE an hour in.
import { readFileSync } from 'node:fs';

/** Idle origins each worker keeps connected for reuse: its share of --concurrency, within these bounds. */
const MIN_IDLE_ORIGINS = 64;
const MAX_IDLE_ORIGINS = 1024;
/** The database, its journal, inputs, worker channels, the resolver's sockets, stdio. */
const RESERVED = 64;

export function idleOriginBudget(concurrencyPerWorker: number): number {
  return Math.min(MAX_IDLE_ORIGINS, Math.max(MIN_IDLE_ORIGINS, Math.ceil(concurrencyPerWorker)));
}

/** Descriptors a sweep may hold at once (idle origins counted as one connection each). */
export function descriptorsNeeded(concurrency: number, threads: number): number {
  return concurrency + threads * idleOriginBudget(concurrency / threads) + RESERVED;
}

/**
 * Connections each worker may keep open: what its share of --concurrency needs, and more where the
 * open-file limit leaves room, up to four times that (busy hosts' spare connections then need not be
 * closed and reopened: at -c 10000 over 10k hosts, that churn cost a third of the workers' time).
 */
export function connectionsPerWorker(concurrency: number, threads: number, limits = openFileLimits()): number {
  const perWorker = Math.ceil(concurrency / threads);
  const needed = perWorker + idleOriginBudget(perWorker);
  if (!limits) return needed;
  const room = Math.floor((limits.soft * 0.9 - RESERVED) / threads);
  return Math.max(needed, Math.min(room, needed * 4));
}

export interface Limits {
  soft: number;
}

/** This process's soft open-file limit (Linux); null where it cannot be read. */
export function openFileLimits(): Limits | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return { soft: m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]) };
  } catch {
    return null;
  }
}

export interface FdFit {
  concurrency: number;
  /** What was done, for the user; null when nothing needed doing. */
  note: string | null;
}

export function fitOpenFiles(concurrency: number, threads: number, limits = openFileLimits()): FdFit {
  const need = descriptorsNeeded(concurrency, threads);
  if (!limits || limits.soft >= need) return { concurrency, note: null };
  let fits = concurrency;
  while (fits > 1 && descriptorsNeeded(fits, threads) > limits.soft) fits = Math.max(1, Math.floor(fits * 0.9));
  return {
    concurrency: fits,
    note:
      `The open-file limit (${limits.soft}) is too low for --concurrency ${concurrency} (about ${need} files): ` +
      `running at --concurrency ${fits}. Raise the hard limit (ulimit -Hn ${need}, or LimitNOFILE= in systemd) to go faster.`,
  };
}
