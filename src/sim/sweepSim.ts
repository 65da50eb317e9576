// A sweep of the simulated internet instead of the real one (`run --sim`, `demo`): the simulated internet
// starts on a thread of its own, the options are aimed at it, and it stops when the sweep ends, however
// it ends.
import { runSweep, type SweepListener } from '../sweep/sweep.js';
import type { Interrupt } from '../sweep/interrupt.js';
import type { SweepOptions } from '../options/sweepOptions.js';
import type { SweepSummary } from '../sweep/summary.js';
import { pointAtSim } from './pointAtSim.js';
import { startSimThread } from './simThread.js';

/** Timeouts not given otherwise: the simulated internet's dead hosts need not take 30 s each. */
export const SIM_TIMEOUTS = { timeoutMs: 6_000, connectTimeoutMs: 2_000, headersTimeoutMs: 2_000, bodyTimeoutMs: 2_000 };

export async function sweepSim(options: SweepOptions, listener: SweepListener = {}, interrupt?: Interrupt): Promise<SweepSummary> {
  const sim = await startSimThread();
  try {
    listener.notice?.(`Simulated internet on loopback: DNS ${sim.resolver}, HTTP :${sim.httpPort}, HTTPS :${sim.httpsPort}`);
    return await runSweep(pointAtSim(options, sim), listener, interrupt);
  } finally {
    await sim.close();
  }
}
