// The simulated internet (and, when asked, the hostile origin), started before a test file's tests and
// closed after them, with a scratch folder: the setup the tests that sweep loopback share.
import { after, before } from 'node:test';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../../src/sim/index.js';
import { tempDir } from './simSweep.js';

export interface SimulatedWeb {
  readonly sim: SimInternet;
  /** Only with `{ hostile: true }`. */
  readonly hostile: HostileOrigin;
  readonly dir: string;
}

export function useSimulatedWeb(options: { hostile?: boolean } = {}): SimulatedWeb {
  const temp = tempDir();
  let sim: SimInternet | null = null;
  let hostile: HostileOrigin | null = null;
  before(async () => {
    sim = await startSimInternet();
    if (options.hostile) hostile = await startHostileOrigin();
  });
  after(async () => {
    await hostile?.close();
    await sim?.close();
    temp.remove();
  });
  return {
    get sim() {
      if (!sim) throw new Error('the simulated internet is started before the tests');
      return sim;
    },
    get hostile() {
      if (!hostile) throw new Error('ask useSimulatedWeb({ hostile: true }) for the hostile origin');
      return hostile;
    },
    dir: temp.dir,
  };
}
