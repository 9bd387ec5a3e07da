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
 * from finishing alone). Measured at a million requests (docs/performance.md): a fixed part per
 * real request the coalition observes (its windows, its score), a smaller one per send (the
 * defence applied, the index), and one per candidate run scored (the window's runs, the AUPRC
 * pass). Candidate runs: the sends on the request's relay within the delay span (a batch counts
 * once), times the chance that one has the same padded size (~1/2000 unpadded; padding to p bytes
 * merges sizes about p/2400 of the way up to all of them, for the default 900 B median).
 * Only the order depends on it, never a figure.
 */
export function jobCost(s: DefenceSettings, world: { clients: number; rateHz?: number } = { clients: 1000 }): number {
  const rate = world.rateHz ?? 1;
  const observed = s.coalition === 'all' ? 1 : 1 / s.relays;
  const concurrent = (world.clients * (rate + s.coverHz) * (s.delayMsMax - s.delayMsMin)) / 1000 / s.relays;
  const runs = s.batchSize > 1 ? Math.min(concurrent, concurrent / s.batchSize + 1) : concurrent;
  const share = s.paddingBytes === 0 ? 1 / 2000 : Math.min(1, s.paddingBytes / 2400);
  return 0.2 * (1 + s.coverHz / rate) + observed * (0.8 + 0.1 * (1 + share * runs));
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
  const order = plan.jobs.map((_, i) => i).sort((a, b) => jobCost(plan.jobs[b]!, options) - jobCost(plan.jobs[a]!, options) || a - b);
  const points = new Array<MetadataPoint | undefined>(plan.jobs.length);
  const { base: _base, defences: _defences, ...world } = options;
  // The full pool's sends, expected: the real requests and coverHzMax dummies per client per
  // second over the same span (Poisson: a few per mille more or less; 2 % spare).
  const sendsExpected = Math.ceil(options.requests * (1 + plan.coverHzMax / (options.rateHz ?? 1)) * 1.02);
  const data: MetadataWorkerData = { options: world, sendsExpected };
  const entry = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const threads: Worker[] = Array.from({ length: Math.min(workers, plan.jobs.length) }, () => spawnWorker(entry, data));
  // A job without cover needs only the real requests (selectTraffic(pool, 0) is the same on both
  // pools); one with cover waits for the full pool.
  const stageOf = (index: number): PoolStage => (plan.jobs[index]!.coverHz > 0 ? 'full' : 'real');
  let fullPosted = plan.coverHzMax === 0;
  const waiting: (() => void)[] = [];
  try {
    // Stage 1, drawn here while the workers start: the real requests, posted before any job.
    const real = drawRealPool(world, true);
    const realShared: MetadataPoolMessage = { pool: sharedPool(real), stage: 'real' }; // drawn shared: no copy
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
      const full: MetadataPoolMessage = { pool: sharedPool(addCover(world, real, plan.coverHzMax, true)), stage: 'full' };
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
