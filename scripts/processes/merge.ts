// One measured merge, in its own process so that its peak memory is its own.
// Usage: node dist/scripts/processes/merge.js '{"out": …, "shards": […]}'   (prints one JSON line)
import { mergeShards, type MergeOptions } from '../../src/merge/mergeShards.js';
import { peakRssMb } from '../lib/stats.js';

const options = { partial: false, ...(JSON.parse(process.argv[2]!) as Omit<MergeOptions, 'partial'>) };
const started = process.hrtime.bigint();
const summary = mergeShards(options);
process.stdout.write(JSON.stringify({ rows: summary.rows, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMb: peakRssMb() }) + '\n');
