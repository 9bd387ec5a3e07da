/**
 * Campaign throughput: runs/s of the same campaign with 1 and 2 worker threads, and the scaling
 * between them (goal ≥ 1.8× on 2 cores). The campaign is the matrix world (scenarios/matrix.yaml)
 * under the malicious relay; both measurements run the same run indices, so they do the same work
 * (the results are identical by construction; only the wall time differs).
 */
import { loadScenario, resolveScenarioPath } from '../scenarios/index.js';
import { runCampaign } from '../cli/campaign/pool.js';
import type { CampaignSpec } from '../sim/campaign.js';
import { Stopwatch } from './stopwatch.js';

export interface CampaignFigures {
  runsPerSec1: number;
  runsPerSec2: number;
  /** runsPerSec2 / runsPerSec1. */
  scaling: number;
  runs: number;
  scenario: string;
  adversary: string;
}

/** Campaign runs/s with 1 and 2 workers; `runs` per measurement (at least 4, so both workers stay busy). */
export async function measureCampaign(options: { runs?: number } = {}): Promise<CampaignFigures> {
  const runs = Math.max(4, options.runs ?? 16);
  const spec = loadScenario(resolveScenarioPath('matrix', process.cwd()));
  const cs: CampaignSpec = { spec, attackers: ['malicious-relay'], expect: {}, seed: 1, runs };
  const rate = async (workers: number) => {
    const watch = new Stopwatch();
    const r = await runCampaign(cs, { workers, shard: null, timeLimitS: null, outDir: null, resume: false });
    return r.summary.runs / (watch.elapsedMs() / 1000);
  };
  // Warm-up on a short campaign (JIT, caches); the measured ones are long enough (32 runs at the
  // default --time) that starting the worker threads, ~0.5 s each, does not hide the scaling.
  await runCampaign({ ...cs, runs: 4 }, { workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false });
  const runsPerSec1 = await rate(1);
  const runsPerSec2 = await rate(2);
  return { runsPerSec1, runsPerSec2, scaling: runsPerSec2 / runsPerSec1, runs, scenario: spec.name, adversary: 'malicious-relay' };
}
