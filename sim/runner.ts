/**
 * One run: (scenario, seed) → RunResult. A pure function: nothing here reads the real clock or
 * global randomness, so the same inputs give the same `traceHash` on any machine.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { PlantedBugs, RunSpec } from './spec.js';
import { World } from './world.js';
import type { TraceEvent } from './trace.js';
import { INVARIANTS, type Verdict } from '../model/invariants/index.js';
import { isInvariantId, type InvariantId } from '../model/invariant-ids.js';
import type { WorldView } from '../model/world-view.js';
import type { Invariant } from '../model/invariants/types.js';
import { targetTallies, type TargetTally } from '../model/invariants/non-targetability.js';
import type { AdversaryPlan } from './adversary.js';
import { PphError } from '../protocol/errors.js';
import { assertSeed } from './seed.js';

export interface VerdictResult {
  holds: boolean;
  expected: 'holds' | 'violated';
  /** The verdict matches the expectation. */
  ok: boolean;
  proof: Verdict['proof'];
  measures?: Record<string, unknown>;
}

export interface RunStats {
  events: number;
  traceEvents: number;
  virtualMs: number;
  requests: number;
  blocked: number;
  ok: number;
  errors: number;
  unfinished: number;
  messages: number;
  bytesOnWire: number;
}

export interface RunResult {
  scenario: string;
  seed: number;
  scenarioHash: string;
  traceHash: string;
  profile: string;
  ablations: string[];
  verdicts: Record<string, VerdictResult>;
  /** Every verdict matched its expectation. */
  ok: boolean;
  stats: RunStats;
  /** Adversaries installed in this run (empty for a benign run). */
  adversaries: string[];
  /** Coverage marks: how often each defence branch fired. */
  marks: Record<string, number>;
  /**
   * A targeting adversary's tally from the trace's `target` and `routed` facts (absent when no
   * adversary declared a target): what a campaign pools for its non-targetability test.
   */
  targets?: TargetTally[];
  /** Transition coverage: how often each machine transition was taken (sim/coverage.ts ids). */
  transitions: Record<string, number>;
}

export interface RunOptions {
  seed: number;
  bugs?: PlantedBugs;
  /** Extra invariants (a user's own), checked with the built-in ones. */
  invariants?: readonly Invariant[];
  /** Keep the trace and the world view in the returned detail (default true). */
  keepTrace?: boolean;
  /** Adversaries and their plans (a campaign draws the plans). */
  adversaries?: readonly AdversaryPlan[];
}

export interface RunDetail {
  result: RunResult;
  trace: readonly TraceEvent[];
  view: WorldView;
}

/** SHA-256 of the canonical JSON of the scenario: the same for the same content. */
export function hashSpec(spec: RunSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/**
 * Every verdict of a run from its trace alone (its fact events and its last event): what
 * `pph run` reports and what `pph check <trace.jsonl>` recomputes from the file.
 */
export function judgeTrace(trace: readonly TraceEvent[], invariants: readonly string[], expect: Partial<Record<string, 'holds' | 'violated'>>, extra: readonly Invariant[] = []): Record<string, VerdictResult> {
  const verdicts: Record<string, VerdictResult> = {};
  const checks: Invariant[] = [...invariants.filter(isInvariantId).map((id: InvariantId) => INVARIANTS[id]), ...extra];
  for (const inv of checks) {
    const v = inv.check(trace);
    const expected = expect[inv.id] ?? 'holds';
    const r: VerdictResult = { holds: v.holds, expected, ok: v.holds === (expected === 'holds'), proof: v.proof };
    if (v.measures) r.measures = v.measures;
    verdicts[inv.id] = r;
  }
  return verdicts;
}

/** Runs one world and checks its invariants. */
export function runDetailed(spec: RunSpec, options: RunOptions): RunDetail {
  assertSeed(options.seed, 'options.seed');
  const world = new World(spec, options.seed, { bugs: options.bugs ?? {}, keepTrace: options.keepTrace ?? true, adversaries: options.adversaries ?? [] });
  const view = world.run();
  const trace = world.trace.all;
  // The invariants judge the trace alone: its fact events (kept even when the trace is not).
  const judged = world.trace.judged;
  const verdicts = judgeTrace(judged, spec.invariants, spec.expect, options.invariants ?? []);
  const sent = trace.filter((e) => e.kind === 'send');
  const requests = view.requests;
  const result: RunResult = {
    scenario: spec.name,
    seed: options.seed,
    scenarioHash: hashSpec(spec),
    traceHash: world.trace.traceHash(),
    profile: spec.profile,
    ablations: [...spec.ablations],
    verdicts,
    ok: Object.values(verdicts).every((v) => v.ok),
    stats: {
      events: world.scheduler.eventsExecuted,
      traceEvents: world.trace.count,
      virtualMs: world.clock.nowMs(),
      requests: requests.length,
      blocked: requests.filter((r) => r.blocked).length,
      ok: requests.filter((r) => r.outcome === 'ok').length,
      errors: requests.filter((r) => r.outcome === 'error').length,
      unfinished: requests.filter((r) => !r.blocked && r.outcome === null).length,
      messages: sent.length,
      bytesOnWire: sent.reduce((a, e) => a + Number(e.data?.bytes ?? 0), 0),
    },
    adversaries: world.adversaryNames,
    marks: Object.fromEntries([...world.marks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    transitions: Object.fromEntries([...world.transitions.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  const targets = targetTallies(judged);
  if (targets.length) result.targets = targets;
  return { result, trace, view };
}

/**
 * A scenario names adversaries that this call cannot install (sim/ cannot import adversaries/).
 * Code: `adversaries`. Use `runAttacked` from `private-processing-harness/adversaries`.
 */
export class ScenarioAdversariesError extends PphError {}

/**
 * Runs a scenario with a seed and returns its result.
 *
 * @throws {ScenarioAdversariesError} `adversaries` when the scenario lists `adversaries:` and no
 *   plans are given: a run that silently left them out would report a pass it never tested.
 * @example
 * const r = runScenario(loadScenario('scenarios/default.yaml'), { seed: 7 });
 * console.log(r.verdicts.confidentiality.holds);
 */
export function runScenario(spec: RunSpec, options: RunOptions): RunResult {
  if ((spec.adversaries?.length ?? 0) > 0 && (options.adversaries?.length ?? 0) === 0) {
    throw new ScenarioAdversariesError('adversaries', `scenario ${spec.name} lists adversaries (${spec.adversaries!.join(', ')}): runScenario cannot install them; use runAttacked from private-processing-harness/adversaries`);
  }
  return runDetailed(spec, options).result;
}
