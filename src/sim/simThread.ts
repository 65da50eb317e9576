// The simulated internet on a thread of its own, for `--sim` and `demo`: serving a sweep's requests (DNS,
// HTTP, TLS handshakes) is most of the work, and on the coordinator's thread it made that thread the
// bottleneck of the whole demo (100% busy while the workers waited).
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';

/** What a sweep needs to know of the simulated internet, and how to stop it. */
export interface SimEndpoints {
  resolver: string;
  httpPort: number;
  httpsPort: number;
  caPem: string;
  portMap: Record<number, number>;
  close(): Promise<void>;
}

const SCRIPT = `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(new URL('./index.js', import.meta.url).href)}).then(async ({ startSimInternet }) => {
  const sim = await startSimInternet();
  parentPort.postMessage({ resolver: sim.resolver, httpPort: sim.httpPort, httpsPort: sim.httpsPort, caPem: sim.caPem, portMap: sim.portMap });
  parentPort.once('message', () => sim.close().then(() => process.exit(0)));
}, (err) => { throw err; });
`;

export async function startSimThread(): Promise<SimEndpoints> {
  const worker = new Worker(SCRIPT, { eval: true });
  const [info] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([err]) => Promise.reject(err))])) as [Omit<SimEndpoints, 'close'>];
  return {
    ...info,
    close: async () => {
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      await exited;
    },
  };
}
