// --shard I/N: this machine sweeps one of N shares of the list, every machine reading the same input. A
// host lives in one share (by a hash of its name), so its limits hold on one machine; a line without a
// host (invalid, unreadable) belongs to the share its line number falls in, so every line has one owner.
import { hostHash } from '../frontier/route.js';
import { UsageError } from '../result/errors.js';

export interface Shard {
  /** From 0, as Kubernetes' JOB_COMPLETION_INDEX and Slurm's array task ids count. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new UsageError(`--shard takes I/N, e.g. 0/4 (the first of four): got "${text}"`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: I runs from 0 to N-1 (${count > 0 ? `0 to ${count - 1}` : 'N is at least 1'})`);
  return { index, count };
}

export const shardText = (shard: Shard): string => `${shard.index}/${shard.count}`;

/**
 * The share a host belongs to. Salted, so that it does not follow the thread a host runs on (the same
 * hash modulo the thread count): with two shards on two threads, a shard's hosts would otherwise all run
 * on one thread.
 */
export function shardOfHost(host: string, count: number): number {
  return hostHash(`shard:${host}`) % count;
}

/** Whether this shard sweeps a line: by its host, or (a line with none) by its number. */
export function ownsLine(shard: Shard, line: number, host: string | null): boolean {
  return (host === null ? (line - 1) % shard.count : shardOfHost(host, shard.count)) === shard.index;
}
