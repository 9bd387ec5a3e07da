/**
 * `pph metadata --workers K`: the jobs of a curves plan (one per distinct defence setting) spread
 * over K worker threads. This thread draws the traffic once while the workers start, and shares
 * it with them (SharedArrayBuffers); they compute the jobs they are sent, heaviest first; a point is a pure function of
 * (world, setting), so the result is identical for every K (test/adversaries/metadata-golden.test.ts).
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../tee/spawn-worker.js';
import { drawPool, type DefenceSettings, type MetadataPoint } from './analyse.js';
import { analyseJobs, assembleCurves, planCurves, type CurvesOptions, type MetadataResult } from './curves.js';
import { sharedPool } from './traffic.js';
import type { MetadataJobMessage, MetadataPoolMessage, MetadataWorkerData } from './worker.js';

/**
 * A job's relative cost, for the order jobs are handed out (longest first keeps the last worker
 * from finishing alone). Padding fills every window with size-compatible candidates; cover
 * multiplies the sends; each extra relay splits the coalition's view.
 */
export function jobCost(s: DefenceSettings): number {
  return ((1 + Math.min(s.paddingBytes, 16384) / 4096) * (1 + s.coverHz)) / s.relays;
}

/**
 * Every requested curve, its jobs on `workers` threads (1: this thread). Same result as
 * `metadataCurves(options)` for any `workers`.
 *
 * @example
 * const file = await metadataCurvesParallel({ requests: 1_000_000, seed: 1, clients: 1000 }, 2);
 */
export async function metadataCurvesParallel(options: CurvesOptions, workers: number): Promise<MetadataResult> {
  const plan = planCurves(options);
  if (workers <= 1 || plan.jobs.length <= 1) return assembleCurves(options, plan, analyseJobs(options, plan.jobs, plan.coverHzMax));
  const order = plan.jobs.map((_, i) => i).sort((a, b) => jobCost(plan.jobs[b]!) - jobCost(plan.jobs[a]!) || a - b);
  const points = new Array<MetadataPoint | undefined>(plan.jobs.length);
  const { base: _base, defences: _defences, ...world } = options;
  const data: MetadataWorkerData = { options: world };
  const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  let next = 0;
  const threads: Worker[] = Array.from({ length: Math.min(workers, plan.jobs.length) }, () => spawnWorker(entry, data));
  try {
    // Drawn here while the workers start; posted first, so before any job (messages keep their order).
    const shared: MetadataPoolMessage = { pool: sharedPool(drawPool(world, plan.coverHzMax)) };
    for (const w of threads) w.postMessage(shared);
    await Promise.all(
      threads.map(
        (w) =>
          new Promise<void>((done, fail) => {
            const send = (): void => {
              if (next >= order.length) return done();
              const index = order[next++]!;
              w.postMessage({ index, settings: plan.jobs[index]! } satisfies MetadataJobMessage);
            };
            w.on('message', (m: { index: number; point: MetadataPoint }) => {
              points[m.index] = m.point;
              send();
            });
            w.on('error', fail);
            w.on('exit', (code) => (next < order.length || points.some((p) => p === undefined) ? fail(new Error(`metadata worker exited with code ${code}`)) : done()));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  return assembleCurves(options, plan, points as MetadataPoint[]);
}
