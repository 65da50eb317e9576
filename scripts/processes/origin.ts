// The canned origin (src/sim/cannedOrigin.ts) as a process of its own, so that it does not share a thread
// with what it serves. Usage: node dist/scripts/processes/origin.js [port] [maxDelayMs] [fixed] [bodyBytes]
//   (prints the port, exits when its stdin closes)
import { startCannedOrigin } from '../../src/sim/cannedOrigin.js';

const origin = await startCannedOrigin({
  port: Number(process.argv[2] ?? 0),
  delayMs: Number(process.argv[3] ?? 0),
  fixed: process.argv[4] === 'fixed',
  bodyBytes: process.argv[5] ? Number(process.argv[5]) : null,
});
process.stdout.write(`${origin.port}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
