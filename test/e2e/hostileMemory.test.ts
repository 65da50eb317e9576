// The hostile web costs bounded memory: the binary's own peak (its summary's peakRssMb, every thread)
// while it GETs compression bombs that expand to 256 MiB, endless bodies, endless interim answers,
// header floods and cookie floods stays within a margin of the same sweep of plain answers. A bomb
// decoded, or an endless body kept, would add hundreds of MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOMB_BYTES } from '../../src/sim/hostileOrigin.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';
import { urlsweep } from '../support/cli.js';

const COPIES = 20;
const HOSTILE = ['gzipbomb', 'brbomb', 'endless', 'infoendless', 'headerflood', 'cookies'];
/**
 * What the hostile sweep may hold beyond the plain one: well below one decoded bomb. Measured: 103-113 MB
 * (buffers of 120 endless bodies read at loopback speed, collected between full collections; the bombs
 * decoded to --max-body, four at a time per thread, brotli's 4 MiB windows among them).
 */
const MARGIN_MB = 160;

const web = useSimulatedWeb({ hostile: true });

async function peakOf(name: string, paths: string[]): Promise<{ peakRssMb: number; total: number }> {
  const lines = paths.flatMap((path) => Array.from({ length: COPIES }, (_, i) => `http://fine-${path}-${i}.${name}.test:${web.hostile.port}/${path}`));
  const list = join(web.dir, `${name}.txt`);
  writeFileSync(list, lines.join('\n') + '\n');
  const run = await urlsweep(
    ['run', list, '--db', join(web.dir, `${name}.db`), '--method', 'GET', '--resolver', web.sim.resolver, '--timeout', '2s', '--retries', '0', '--progress', 'json'],
    { cwd: web.dir },
  );
  assert.equal(run.code, 0, run.stderr);
  const summary = run.stderr.trim().split('\n').map((l) => JSON.parse(l) as { event: string }).find((e) => e.event === 'summary') as unknown as {
    peakRssMb: number;
    total: number;
  };
  assert.equal(summary.total, lines.length, 'one row per line');
  return summary;
}

test(`bombs, endless bodies and floods cost less than ${MARGIN_MB} MB beyond plain answers`, { timeout: 120_000 }, async () => {
  const plain = await peakOf('plain', HOSTILE.map(() => 'ok'));
  const hostileRun = await peakOf('hostile', HOSTILE);
  assert.ok(BOMB_BYTES / 1024 / 1024 > 1.5 * MARGIN_MB, 'one decoded bomb would be seen');
  assert.ok(
    hostileRun.peakRssMb - plain.peakRssMb < MARGIN_MB,
    `peak ${hostileRun.peakRssMb} MB against ${plain.peakRssMb} MB for as many plain answers`,
  );
});
