// Public entry point of the simulated internet (tests, benchmarks, demo).
export { startSimInternet, type SimInternet, type SimInternetOptions } from './internet.js';
export { pointAtSim, type SimAddress } from './pointAtSim.js';
export { BEHAVIOURS, behaviourOf, type Behaviour } from './behaviours.js';
export { startBlackhole, type Blackhole } from './blackhole.js';
export type { Arrival } from './httpServer.js';
export { startCannedOrigin, type CannedOrigin } from './cannedOrigin.js';
export { startHostileOrigin, HOSTILE_BEHAVIOURS, TRICKLE_EVERY_MS, type HostileOrigin, type HostileBehaviour } from './hostileOrigin.js';
export { sweepSim, SIM_TIMEOUTS } from './sweepSim.js';
export { runDemo, DEMO_QUERIES, type DemoOptions } from '../demo/demo.js';
