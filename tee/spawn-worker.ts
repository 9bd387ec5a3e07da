/**
 * Starting a worker thread from either TypeScript sources or compiled dist/: the entry file sits
 * next to the module that asks for it. A `.ts` entry is started through tee/ts-worker-bootstrap.mjs,
 * which registers tsx in the worker before importing it; a `.js` entry starts as is.
 */
import { Worker } from 'node:worker_threads';

/** What every pph worker receives: its own entry and the caller's data (read it from `data`). */
export interface PphWorkerData<T> {
  entry: string;
  data: T;
}

/**
 * The URL of `<stem>.ts` or `<stem>.js` next to `moduleUrl` (pass `import.meta.url`): the same
 * extension as the caller, so sources start sources and dist/ starts dist/.
 */
export function entryBeside(moduleUrl: string, stem: string): URL {
  const ext = new URL(moduleUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./${stem}${ext}`, moduleUrl);
}

/**
 * Spawns a worker on `entry` with `data` as `workerData.data`.
 *
 * @example
 * const w = spawnWorker(entryBeside(import.meta.url, 'worker-entry'), { backend: 'extractive-tf' });
 */
export function spawnWorker<T>(entry: URL, data: T): Worker {
  const workerData: PphWorkerData<T> = { entry: entry.href, data };
  if (entry.pathname.endsWith('.ts')) return new Worker(new URL('./ts-worker-bootstrap.mjs', import.meta.url), { workerData });
  return new Worker(entry, { workerData });
}
