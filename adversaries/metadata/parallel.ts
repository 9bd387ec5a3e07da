/**
 * `pph metadata --workers K`: the jobs of a curves plan (one per distinct defence setting) spread
 * over K worker threads. This thread draws the traffic once and shares it with them
 * (SharedArrayBuffers), in two stages: the real requests while the workers start, then the cover
 * layers while they compute the jobs without cover; they compute the jobs they are sent, heaviest
 * first (of those their pool allows); a point is a pure function of
 * (world, setting), so the result is identical for every K (test/adversaries/metadata-golden.test.ts).
 */
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../tee/spawn-worker.js';
import { addCover, drawRealPool, type DefenceSettings, type MetadataPoint } from './analyse.js';
import { analyseJobs, assembleCurves, planCurves, type CurvesOptions, type MetadataResult } from './curves.js';
import { sharedPool } from './traffic.js';
import type { MetadataJobMessage, MetadataPoolMessage, MetadataWorkerData, PoolStage } from './worker.js';

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
  const threads: Worker[] = Array.from({ length: Math.min(workers, plan.jobs.length) }, () => spawnWorker(entry, data));
  // A job without cover needs only the real requests (selectTraffic(pool, 0) is the same on both
  // pools); one with cover waits for the full pool.
  const stageOf = (index: number): PoolStage => (plan.jobs[index]!.coverHz > 0 ? 'full' : 'real');
  let fullPosted = plan.coverHzMax === 0;
  const waiting: (() => void)[] = [];
  try {
    // Stage 1, drawn here while the workers start: the real requests, posted before any job.
    const real = drawRealPool(world);
    const realShared: MetadataPoolMessage = { pool: sharedPool(real), stage: 'real' };
    for (const w of threads) w.postMessage(realShared);
    const finished = Promise.all(
      threads.map(
        (w) =>
          new Promise<void>((done, fail) => {
            const send = (): void => {
              const k = order.findIndex((i) => fullPosted || stageOf(i) === 'real');
              if (k < 0) {
                if (order.length === 0) return done();
                waiting.push(send); // every job left needs the full pool: sent when it is posted
                return;
              }
              const index = order.splice(k, 1)[0]!;
              w.postMessage({ index, settings: plan.jobs[index]!, stage: stageOf(index) } satisfies MetadataJobMessage);
            };
            w.on('message', (m: { index: number; point: MetadataPoint }) => {
              points[m.index] = m.point;
              send();
            });
            w.on('error', fail);
            w.on('exit', (code) => (order.length > 0 || points.some((p) => p === undefined) ? fail(new Error(`metadata worker exited with code ${code}`)) : done()));
            send();
          }),
      ),
    );
    finished.catch(() => undefined); // awaited below; handled here too, in case stage 2 throws first
    if (!fullPosted) {
      // Stage 2, while the workers compute the jobs without cover: the cover layers merged in.
      const full: MetadataPoolMessage = { pool: sharedPool(addCover(world, real, plan.coverHzMax)), stage: 'full' };
      for (const w of threads) w.postMessage(full);
      fullPosted = true;
      for (const resume of waiting.splice(0)) resume();
    }
    await finished;
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  return assembleCurves(options, plan, points as MetadataPoint[]);
}
