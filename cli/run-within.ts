/**
 * `pph run --time-limit S`: the run goes to a worker thread, so the command can show progress on
 * stderr and stop at the limit (exit 130, with a line that says so). The run itself is the same
 * pure function of (scenario, seed) as in-process; only wall time decides whether it finishes.
 */
import { Stopwatch } from '../bench/stopwatch.js';
import { PphError } from '../protocol/errors.js';
import { entryBeside, spawnWorker } from '../tee/spawn-worker.js';
import type { LoadedRun } from './commands/run.js';
import { UsageError, type CliIo } from './io.js';

/** Exit code of an interrupted command (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;
/** How often the progress line is printed. */
export const PROGRESS_INTERVAL_MS = 10_000;

/** A PphError rebuilt from a worker's message, so the CLI prints `Name [code]: message`. */
class RemotePphError extends PphError {
  constructor(name: string, code: string, message: string) {
    super(code, message);
    this.name = name;
  }
}

export type RunWithin = { finished: true; run: LoadedRun } | { finished: false; elapsedMs: number };

/**
 * Runs `ref` with `seed` in a worker; at `timeLimitS` the worker is terminated. Progress goes to
 * `io.err` every {@link PROGRESS_INTERVAL_MS}; a UsageError or scenario error from the worker is
 * rethrown here, as `loadAndRun` would throw it.
 */
export async function runWithin(ref: string, seed: number | undefined, io: CliIo, timeLimitS: number, label: string, progressMs = PROGRESS_INTERVAL_MS): Promise<RunWithin> {
  const worker = spawnWorker(entryBeside(import.meta.url, 'run-worker'), { ref, seed, cwd: io.cwd });
  // Wall time only decides when to stop waiting, never what the run computes.
  const watch = new Stopwatch();
  return new Promise<RunWithin>((resolvePromise, reject) => {
    const progress = setInterval(() => {
      io.err(`pph run: ${label}: still running after ${Math.round(watch.elapsedMs() / 1000)} s (--time-limit ${timeLimitS} s)`);
    }, progressMs);
    const limit = setTimeout(() => {
      done();
      void worker.terminate();
      resolvePromise({ finished: false, elapsedMs: watch.elapsedMs() });
    }, timeLimitS * 1000);
    const done = () => {
      clearInterval(progress);
      clearTimeout(limit);
    };
    worker.once('message', (m: { ok: true; run: LoadedRun } | { ok: false; kind: string; name?: string; code?: string; message: string }) => {
      done();
      void worker.terminate();
      if (m.ok) resolvePromise({ finished: true, run: m.run });
      else if (m.kind === 'usage') reject(new UsageError(m.message));
      else if (m.kind === 'pph') reject(new RemotePphError(m.name ?? 'PphError', m.code ?? 'error', m.message));
      else reject(new Error(`pph run worker: ${m.message}`));
    });
    worker.once('error', (e) => {
      done();
      reject(e);
    });
  });
}
