// The simulated internet in its own process, so that serving does not share an event loop with what is
// measured. Prints one JSON line with its addresses; then answers each `answers` line on stdin with a JSON
// line of the responses sent so far (by behaviour and status); exits when its stdin closes.
import { createInterface } from 'node:readline';
import { startSimInternet } from '../../src/sim/index.js';

const sim = await startSimInternet();
process.stdout.write(
  JSON.stringify({ resolver: sim.resolver, httpPort: sim.httpPort, httpsPort: sim.httpsPort, caFile: sim.caFile, caPem: sim.caPem }) + '\n',
);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'answers') process.stdout.write(JSON.stringify(sim.answers()) + '\n');
});
lines.on('close', () => void sim.close().then(() => process.exit(0)));
