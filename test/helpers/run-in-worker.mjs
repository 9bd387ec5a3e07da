// Runs one scenario in a worker thread (TypeScript loaded through tsx) and posts its RunResult.
import { register } from 'tsx/esm/api';
import { parentPort, workerData } from 'node:worker_threads';

register();
const { runScenario } = await import('../../sim/runner.ts');
const result = runScenario(workerData.spec, { seed: workerData.seed });
parentPort.postMessage({ traceHash: result.traceHash, ok: result.ok });
