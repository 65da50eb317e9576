// The simulated internet in its own process, so that serving does not share an event loop with what is
// measured. Prints one JSON line with its addresses; exits when its stdin closes.
import { startSimInternet } from '../src/sim/index.js';

const sim = await startSimInternet();
process.stdout.write(
  JSON.stringify({ resolver: sim.resolver, httpPort: sim.httpPort, httpsPort: sim.httpsPort, caFile: sim.caFile, caPem: sim.caPem }) + '\n',
);
process.stdin.resume();
process.stdin.on('end', () => void sim.close().then(() => process.exit(0)));
