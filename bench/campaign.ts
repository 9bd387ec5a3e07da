/**
 * Campaign throughput: runs/s of the same campaign with 1 and 2 worker threads, and the scaling
 * between them (goal ≥ 1.8× on 2 cores). The campaign is the matrix world (scenarios/matrix.yaml)
 * under the malicious relay; both measurements run the same run indices, so they do the same work
 * (the results are identical by construction; only the wall time differs).
 */
import { loadScenario, resolveScenarioPath } from '../scenarios/index.js';
import { runCampaign, warmPool } from '../cli/campaign/pool.js';
import type { CampaignSpec } from '../sim/campaign.js';
import { Stopwatch } from './stopwatch.js';

export interface CampaignFigures {
  runsPerSec1: number;
  runsPerSec2: number;
  /** runsPerSec2 / runsPerSec1. */
  scaling: number;
  /** Process CPU time (all threads) per run with 1 and 2 workers: equal when the pool adds no work. */
  cpuMsPerRun1: number;
  cpuMsPerRun2: number;
  /**
   * CPU time over wall time of the 1-worker campaign: above 1 by what V8's own threads (concurrent
   * GC marking, background compilation) did on the second core, which the 2-worker campaign must
   * share with the second worker: scaling = (coresUsed2 / coresUsed1) × (cpuMsPerRun1 / cpuMsPerRun2).
   */
  coresUsed1: number;
  /** CPU time over wall time of the 2-worker campaign: the cores it actually got (≤ 2; less on a shared machine, which bounds `scaling`). */
  coresUsed2: number;
  runs: number;
  scenario: string;
  adversary: string;
}

/** Warm-up runs per thread before a measurement: enough for V8 to optimise the hot path in each (a worker is a fresh isolate). */
const WARM_RUNS = 8;

/** Campaign runs/s with 1 and 2 workers; `runs` per measurement (at least 4, so both workers stay busy). */
export async function measureCampaign(options: { runs?: number } = {}): Promise<CampaignFigures> {
  const runs = Math.max(4, options.runs ?? 16);
  const spec = loadScenario(resolveScenarioPath('matrix', process.cwd()));
  const cs: CampaignSpec = { spec, attackers: ['malicious-relay'], expect: {}, seed: 1, runs };
  const rate = async (workers: number) => {
    const watch = new Stopwatch();
    const cpu = process.cpuUsage();
    const r = await runCampaign(cs, { workers, shard: null, timeLimitS: null, outDir: null, resume: false });
    const wallMs = watch.elapsedMs();
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    return { perSec: r.summary.runs / (wallMs / 1000), cpuMsPerRun: cpuMs / r.summary.runs, cores: cpuMs / wallMs };
  };
  // Warm-up (JIT, caches) on a short campaign on this thread and one on the persistent worker
  // pool (cli/campaign/pool.ts): the threads are started and warmed once, as in a matrix, so the
  // measured campaigns compare steady states, not thread start-up.
  await runCampaign({ ...cs, seed: cs.seed + 1, runs: WARM_RUNS }, { workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false });
  await warmPool(2);
  await runCampaign({ ...cs, seed: cs.seed + 1, runs: 2 * WARM_RUNS }, { workers: 2, shard: null, timeLimitS: null, outDir: null, resume: false });
  const one = await rate(1);
  const two = await rate(2);
  return {
    runsPerSec1: one.perSec,
    runsPerSec2: two.perSec,
    scaling: two.perSec / one.perSec,
    cpuMsPerRun1: one.cpuMsPerRun,
    cpuMsPerRun2: two.cpuMsPerRun,
    coresUsed1: one.cores,
    coresUsed2: two.cores,
    runs,
    scenario: spec.name,
    adversary: 'malicious-relay',
  };
}
