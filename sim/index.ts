/**
 * The simulator's public facade (`private-processing-harness/sim`).
 *
 * @example
 * import { runScenario } from 'private-processing-harness/sim';
 * import { loadScenario } from 'private-processing-harness/scenarios';
 * const r = runScenario(loadScenario('scenarios/default.yaml'), { seed: 7 });
 * r.verdicts.confidentiality.holds; // true
 */
export { runScenario, runDetailed, hashSpec, type RunResult, type RunOptions, type RunDetail, type VerdictResult, type RunStats } from './runner.js';
export type { RunSpec, PlantedBugs } from './spec.js';
export { ChaChaRng } from './rng.js';
export { SimClock, SIM_EPOCH_MS } from './clock.js';
export { World } from './world.js';
export { traceToJsonl, parseTraceJsonl, hashEvents, formatEvent, traceLegend, type TraceEvent } from './trace.js';
