/**
 * Running a scenario under named adversaries from your own test suite: the plans are drawn by
 * fast-check from the seed (the same way a campaign's run 0 draws them), so the call is as
 * deterministic as a plain run.
 *
 * @example
 * import { runAttacked } from 'private-processing-harness/adversaries';
 * const r = runAttacked(myScenario, { seed: 7, adversaries: ['malicious-relay'] });
 * expect(r.verdicts.confidentiality.holds).toBe(true);
 */
import fc from 'fast-check';
import { fcSeedFor, runArbitrary } from '../sim/campaign.js';
import { runDetailed, type RunDetail, type RunResult } from '../sim/runner.js';
import { assertSeed } from '../sim/seed.js';
import type { RunSpec } from '../sim/spec.js';
import { resolveAttacker } from './index.js';

export interface AttackedOptions {
  seed: number;
  /** Adversary, coalition or condition names (see `knownAttackers()`). */
  adversaries: readonly string[];
  /** Plans to use instead of drawing them (one per adversary after coalitions are expanded). */
  plans?: readonly unknown[];
}

export function runAttacked(spec: RunSpec, options: AttackedOptions): RunResult & { plans: unknown[] } {
  assertSeed(options.seed, 'options.seed');
  const { result, plans } = runAttackedDetailed(spec, options, false);
  return { ...result, plans };
}

/** {@link runAttacked} with the trace kept (for `pph run`'s trace, reports and proof events). */
export function runAttackedDetailed(spec: RunSpec, options: AttackedOptions, keepTrace = true): RunDetail & { plans: unknown[] } {
  const adversaries = options.adversaries.flatMap((n) => {
    const a = resolveAttacker(n);
    if (!a) throw new RangeError(`unknown adversary ${JSON.stringify(n)}`);
    return a;
  });
  const [, ...drawn] = fc.sample(runArbitrary(spec, adversaries), { seed: fcSeedFor(options.seed, 0), numRuns: 1 })[0]!;
  const plans = options.plans ? [...options.plans] : drawn;
  if (plans.length !== adversaries.length) throw new RangeError(`expected ${adversaries.length} plans, got ${plans.length}`);
  const detail = runDetailed(spec, { seed: options.seed, adversaries: adversaries.map((adversary, i) => ({ adversary, plan: plans[i] })), keepTrace });
  return { ...detail, plans };
}
