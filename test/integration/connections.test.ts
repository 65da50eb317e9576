// Open connections stay bounded by the workers' connection budgets, however many one-URL hosts go by:
// idle origins beyond the budget are closed, not kept until their keep-alive runs out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsPerWorker } from '../../src/options/openFiles.js';
import { sweepLines } from '../support/simSweep.js';
import { useSimulatedWeb } from '../support/simulatedWeb.js';

const web = useSimulatedWeb();

test('sweeping 1,500 one-URL hosts keeps open connections within the budget, not one per host', async () => {
  const hosts = 1500;
  const concurrency = 64;
  const threads = 2;
  const list = Array.from({ length: hosts }, (_, i) => `http://fine-conn-${i}.test/`);
  const result = await sweepLines(web.sim, web.dir, list, { db: `${web.dir}/conn.db`, concurrency, threads });
  assert.equal(result.rows.filter((r) => r.status === 200).length, hosts);
  // Each worker holds at most its connection budget (what the concurrency needs, more where the open-file
  // limit leaves room, at most four times that).
  const bound = threads * connectionsPerWorker(concurrency, threads);
  // Before the budget, every host's connection stayed open for its keep-alive: ~1,500 at once.
  assert.ok(web.sim.peakConnections() <= bound, `peak ${web.sim.peakConnections()} open connections, bound ${bound}`);
});
