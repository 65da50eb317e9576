// The simulated internet and the hostile origin, started before a test file's tests and closed after
// them, with a scratch folder: what the hostile-web tests share.
import { after, before } from 'node:test';
import { startHostileOrigin, startSimInternet, type HostileOrigin, type SimInternet } from '../../src/sim/index.js';
import { tempDir } from './simSweep.js';

export interface HostileWeb {
  readonly sim: SimInternet;
  readonly hostile: HostileOrigin;
  readonly dir: string;
}

export function useHostileWeb(): HostileWeb {
  const temp = tempDir();
  let sim: SimInternet;
  let hostile: HostileOrigin;
  before(async () => {
    sim = await startSimInternet();
    hostile = await startHostileOrigin();
  });
  after(async () => {
    await hostile.close();
    await sim.close();
    temp.remove();
  });
  return {
    get sim() {
      return sim;
    },
    get hostile() {
      return hostile;
    },
    dir: temp.dir,
  };
}
