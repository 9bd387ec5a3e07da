/**
 * Worker entry of `pph run --time-limit`: loads and runs the scenario exactly as `pph run` does
 * in-process (cli/commands/run.ts loadAndRun), and posts the LoadedRun back. A usage or scenario
 * error is posted as such, so the main thread reports it the same way (exit 2).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PphError } from '../protocol/errors.js';
import type { PphWorkerData } from '../tee/spawn-worker.js';
import { loadAndRun } from './commands/run.js';
import { UsageError, type CliIo } from './io.js';

const port = parentPort;
if (port === null) throw new Error('cli/run-worker.ts must run in a worker thread');
const { ref, seed, cwd } = (workerData as PphWorkerData<{ ref: string; seed: number | undefined; cwd: string }>).data;
const io: CliIo = { out: () => {}, err: () => {}, env: {}, cwd, isTTY: false };
try {
  port.postMessage({ ok: true, run: loadAndRun(ref, seed, io) });
} catch (e) {
  if (e instanceof UsageError) port.postMessage({ ok: false, kind: 'usage', message: e.message });
  else if (e instanceof PphError) port.postMessage({ ok: false, kind: 'pph', name: e.name, code: e.code, message: e.message });
  else port.postMessage({ ok: false, kind: 'internal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
