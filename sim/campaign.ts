/**
 * Property-based campaigns (fast-check) over simulated runs. Run `i` of a campaign with seed `S`
 * draws its world seed and every adversary's plan from fast-check with a seed derived from
 * (S, i) alone, so a run is the same whichever worker or shard executes it: `--workers K` and
 * `--shard i/n` change only where the work happens, never the results. The property is "every
 * invariant's verdict equals its expectation"; a failing run is shrunk by fast-check (a bounded
 * number of shrink runs, so shrinking too is deterministic) and saved as a replay file.
 *
 * This module knows adversaries only through the {@link Adversary} interface; the catalogue is
 * a module URL the caller passes (workers import it), so sim/ imports nothing above it.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { Adversary, AdversaryPlan } from './adversary.js';
import { runDetailed, hashSpec } from './runner.js';
import { canonicalJson } from './canonical.js';
import type { RunSpec } from './spec.js';
import { assertSeed } from './seed.js';
import type { TraceEvent } from './trace.js';
import { pooledNonTargetability, type PooledNonTargetability, type TargetTally } from '../model/invariants/non-targetability.js';
import { addCounts, coverageOf, type CoverageSummary } from './coverage.js';
import { inputArbitrary, variantSeed, type RunInput, type SearchMode } from './guided.js';

export type { SearchMode } from './guided.js';

export type Expectation = 'holds' | 'violated';

/** What every run of a campaign shares. Plain data: it crosses to worker threads. */
export interface CampaignSpec {
  spec: RunSpec;
  /** Adversary names, resolved by the catalogue module (a coalition is several names). */
  attackers: string[];
  /** Expectation per checked invariant (absent: holds). */
  expect: Record<string, Expectation>;
  seed: number;
  runs: number;
  /** Upper bound on the runs fast-check may spend shrinking one counterexample (default 40). */
  shrinkRuns?: number;
  /** Stop at the first failing run (the matrix's runs-to-kill). */
  stopOnFailure?: boolean;
  /**
   * How inputs are drawn (sim/guided.ts): `random` (default), each run independently from
   * (seed, run); `guided`, most runs mutate a corpus entry of earlier generations.
   */
  search?: SearchMode;
}

/** A guided run's parent: the corpus entry its input mutates. */
export interface RunParent {
  run: number;
  input: RunInput;
}

/** How a guided run's input is drawn (sim/guided.ts chooseGuided): candidate `variant`, mutating `parent`. */
export interface RunGuide {
  parent: RunParent | null;
  variant: number;
}

/** A catalogue module: maps names to adversaries (adversaries/index.ts). */
export interface Catalogue {
  resolveAttacker(name: string): Adversary<any>[] | null;
}

/** One line of runs.jsonl. */
export interface RunLine {
  run: number;
  seed: number;
  traceHash: string;
  ok: boolean;
  /** Invariants that did not hold. */
  violated: string[];
  /** Invariants whose verdict differs from the expectation (the property's failures). */
  unexpected: string[];
  marks: Record<string, number>;
  /** Transition hits of the run (sim/coverage.ts ids). */
  transitions?: Record<string, number>;
  /** Guided search: the run whose input this run's input mutates. */
  parent?: number;
  /** Guided search: which of the run's candidates was run (absent: 0). */
  variant?: number;
  /** The drawn plans, one per adversary. */
  plans: unknown[];
  /** Shrink steps fast-check took on a failing run. */
  shrinkSteps?: number;
  /** A targeting adversary's tally from the run's `target` and `routed` facts (pooled by the campaign). */
  targets?: TargetTally[];
}

/** A shrunk counterexample, ready to be written as `replay-<invariant>-<run>.json`. */
export interface ReplayFile {
  kind: 'replay';
  scenarioHash: string;
  scenario: RunSpec;
  attackers: string[];
  campaignSeed: number;
  run: number;
  /** fast-check's seed for this run and the path of the shrunk value (for `fc.check({ seed, path })`). */
  fcSeed: number;
  path: string;
  seed: number;
  plan: unknown[];
  shrinkSteps: number;
  expected: Record<string, Expectation>;
  verdicts: Record<string, { holds: boolean; proof: { event: number; why: string }[] }>;
  unexpected: string[];
  violated: string[];
  traceHash: string;
  trace: TraceEvent[];
  /**
   * `sha256:<hex>` of the canonical JSON of every other field ({@link replayIntegrity}): `pph replay`
   * refuses a file whose content no longer matches it (an edited file is bad input, exit 2, not a
   * non-deterministic simulator, exit 3).
   */
  integrity?: string;
}

/**
 * The integrity digest of a replay file: sha256 over the canonical JSON (sorted keys, no
 * whitespace) of the file as JSON carries it, `integrity` itself left out. Computed on the JSON
 * form so that writer and reader hash the same value.
 */
export function replayIntegrity(file: object): string {
  const { integrity: _ignored, ...rest } = JSON.parse(JSON.stringify(file)) as Record<string, unknown>;
  return `sha256:${createHash('sha256').update(canonicalJson(rest), 'utf8').digest('hex')}`;
}

/** The file with its integrity digest (re)computed: every writer of replay files calls it last. */
export function sealReplay<T extends object>(file: T): T & { integrity: string } {
  const { integrity: _old, ...rest } = file as T & { integrity?: string };
  return { ...(rest as T), integrity: replayIntegrity(rest) };
}

export interface RunOutcome {
  line: RunLine;
  replay: ReplayFile | null;
}

/** fast-check's seed of run `run` of a campaign seeded `seed` (independent of order and workers). */
export function fcSeedFor(seed: number, run: number): number {
  assertSeed(seed, 'campaign seed');
  if (!Number.isInteger(run) || run < 0) throw new RangeError(`run expected a non-negative integer, got ${String(run)}`);
  return createHash('sha256').update(`pph-campaign/${seed}/${run}`).digest().readInt32BE(0);
}

/** The arbitrary of one run: a world seed and one plan per adversary. */
export function runArbitrary(spec: RunSpec, adversaries: readonly Adversary<any>[]): fc.Arbitrary<[number, ...unknown[]]> {
  return inputArbitrary(spec, adversaries, null);
}

export function resolveAll(catalogue: Catalogue, names: readonly string[]): Adversary<any>[] {
  return names.flatMap((n) => {
    const a = catalogue.resolveAttacker(n);
    if (!a) throw new Error(`unknown adversary ${JSON.stringify(n)}`);
    return a;
  });
}

function evaluate(cs: CampaignSpec, adversaries: readonly Adversary<any>[], worldSeed: number, plans: readonly unknown[], keepTrace: boolean) {
  const plan: AdversaryPlan[] = adversaries.map((adversary, i) => ({ adversary, plan: plans[i] }));
  const detail = runDetailed(cs.spec, { seed: worldSeed, adversaries: plan, keepTrace });
  const r = detail.result;
  const violated = Object.keys(r.verdicts).filter((id) => !r.verdicts[id]!.holds);
  // Per run, an invariant expected to hold must hold; one expected `violated` may hold in a given
  // run (the adversary's plan may not reach it): the campaign requires it violated in some run.
  const unexpected = violated.filter((id) => (cs.expect[id] ?? 'holds') === 'holds');
  return { detail, violated, unexpected };
}

/**
 * Executes run `run`: draws its input, runs it, and when the property fails, shrinks it and
 * replays the shrunk input with its full trace.
 */
export function executeRun(cs: CampaignSpec, adversaries: readonly Adversary<any>[], run: number, guide: RunGuide | null = null): RunOutcome {
  const parent = guide?.parent ?? null;
  const arb = inputArbitrary(cs.spec, adversaries, parent?.input ?? null);
  const fcSeed = variantSeed(fcSeedFor(cs.seed, run), guide?.variant ?? 0);
  const [worldSeed, ...plans] = fc.sample(arb, { seed: fcSeed, numRuns: 1 })[0]!;
  const first = evaluate(cs, adversaries, worldSeed, plans, false);
  const r = first.detail.result;
  const line: RunLine = { run, seed: worldSeed, traceHash: r.traceHash, ok: first.unexpected.length === 0, violated: first.violated, unexpected: first.unexpected, marks: r.marks, transitions: r.transitions, plans };
  if (parent) line.parent = parent.run;
  if (guide?.variant) line.variant = guide.variant;
  if (r.targets) line.targets = r.targets;
  if (line.ok) return { line, replay: null };
  const replay = shrinkRun(cs, adversaries, run, first.unexpected, guide);
  line.shrinkSteps = replay.shrinkSteps;
  return { line, replay };
}

/**
 * Shrinks run `run` towards a minimal input that still violates one of `target` (fast-check's
 * shrinker on the same arbitrary and seed, so its first value is the run itself). Candidates
 * beyond the budget count as passing, which ends shrinking at the smallest failure found so far.
 * The shrunk input is run again with its full trace: that is the replay file.
 */
export function shrinkRun(cs: CampaignSpec, adversaries: readonly Adversary<any>[], run: number, targetIds: readonly string[], guide: RunGuide | null = null): ReplayFile {
  const arb = inputArbitrary(cs.spec, adversaries, guide?.parent?.input ?? null);
  const fcSeed = variantSeed(fcSeedFor(cs.seed, run), guide?.variant ?? 0);
  const budget = cs.shrinkRuns ?? 40;
  let spent = 0;
  const target = new Set(targetIds);
  const check = fc.check(
    fc.property(arb, ([s, ...p]) => {
      if (spent++ > budget) return true;
      return !evaluate(cs, adversaries, s, p, false).violated.some((id) => target.has(id));
    }),
    { seed: fcSeed, numRuns: 1 },
  );
  if (!check.counterexample) throw new Error(`run ${run} does not violate ${targetIds.join(', ')} again: the run is not deterministic`);
  const [[shrunkSeed, ...shrunkPlans]] = check.counterexample as [[number, ...unknown[]]];
  const again = evaluate(cs, adversaries, shrunkSeed, shrunkPlans, true);
  const verdicts: ReplayFile['verdicts'] = {};
  for (const [id, v] of Object.entries(again.detail.result.verdicts)) verdicts[id] = { holds: v.holds, proof: v.proof.map((p) => ({ event: p.event, why: p.why })) };
  return sealReplay({
    kind: 'replay' as const,
    scenarioHash: hashSpec(cs.spec),
    scenario: cs.spec,
    attackers: cs.attackers,
    campaignSeed: cs.seed,
    run,
    fcSeed,
    path: check.counterexamplePath ?? '',
    seed: shrunkSeed,
    plan: shrunkPlans,
    shrinkSteps: check.numShrinks,
    expected: Object.fromEntries(Object.keys(verdicts).map((id) => [id, cs.expect[id] ?? 'holds'])),
    verdicts,
    unexpected: again.unexpected,
    violated: again.violated,
    traceHash: again.detail.result.traceHash,
    trace: [...again.detail.trace],
  });
}

/** Re-runs a replay file's input exactly. */
export function replayRun(file: ReplayFile, catalogue: Catalogue) {
  const adversaries = resolveAll(catalogue, file.attackers);
  const cs: CampaignSpec = { spec: file.scenario, attackers: file.attackers, expect: file.expected, seed: file.campaignSeed, runs: 1 };
  return evaluate(cs, adversaries, file.seed, file.plan, true);
}

/** The summary of a campaign: the contents of campaign.json, computed from its runs alone. */
export interface CampaignSummary {
  kind: 'campaign';
  scenario: string;
  scenarioHash: string;
  profile: string;
  attackers: string[];
  seed: number;
  /** Runs of the whole campaign (all shards). */
  runsTotal: number;
  /** Runs this process was to do (its shard). */
  runsPlanned: number;
  runs: number;
  complete: boolean;
  /** Set when SIGINT or `--time-limit` stopped the campaign before its last run: never a pass. */
  interrupted?: boolean;
  ok: boolean;
  expect: Record<string, Expectation>;
  violations: Record<string, number>;
  unexpectedRuns: number;
  firstViolation: Record<string, number>;
  marks: Record<string, number>;
  /** Hits of each mark the adversaries must reach (prefix match); enforced on the baseline profile. */
  requiredMarks: Record<string, number>;
  /** Invariants expected `violated` that no run violated (the adversary never reached them). */
  unobserved: string[];
  missingMarks: string[];
  shrinkSteps: number;
  replays: { file: string; invariant: string; runIndex: number; traceHash: string }[];
  /**
   * The campaign-level tests over all its runs (absent when none applies): `non-targetability`,
   * one pooled exact binomial test per targeting adversary (model/invariants/non-targetability.ts).
   * A violated pooled test makes the invariant violated for the campaign, like a violating run.
   */
  pooled?: Record<string, PooledNonTargetability[]>;
  byRun: { run: number; violated: string[] }[];
  /** How the inputs were drawn (sim/guided.ts). */
  search: SearchMode;
  /** Transition coverage of the runs (sim/coverage.ts): per machine, and what no run reached. */
  coverage: CoverageSummary;
  /** Not part of the deterministic result (differ with machines and workers). */
  runsPerSec: number;
  wallMs: number;
  workers: number;
  shards: string[];
}

export function replayFileName(invariant: string, run: number): string {
  return `replay-${invariant}-${run}.json`;
}

/** Builds the summary from finished lines (any order) and the replays' shrink steps. */
export function summarise(
  cs: CampaignSpec,
  adversaries: readonly Adversary<any>[],
  lines: readonly RunLine[],
  timing: { wallMs: number; workers: number; shards: string[]; planned?: number },
): CampaignSummary {
  const sorted = [...lines].sort((a, b) => a.run - b.run);
  const violations: Record<string, number> = {};
  const firstViolation: Record<string, number> = {};
  for (const id of cs.spec.invariants) violations[id] = 0;
  const marks: Record<string, number> = {};
  const transitions: Record<string, number> = {};
  for (const l of sorted) {
    addCounts(transitions, l.transitions);
    for (const id of l.violated) {
      violations[id] = (violations[id] ?? 0) + 1;
      if (!(id in firstViolation)) firstViolation[id] = l.run;
    }
    for (const [m, n] of Object.entries(l.marks)) marks[m] = (marks[m] ?? 0) + n;
  }
  const required: Record<string, number> = {};
  for (const a of adversaries) for (const m of a.marks) required[m] = Object.entries(marks).filter(([k]) => k === m || k.startsWith(`${m}.`)).reduce((s, [, n]) => s + n, 0);
  const baseline = (cs.spec.profile === 'pp' || cs.spec.profile === 'pcc') && cs.spec.ablations.length === 0;
  const pooled = pooledOf(cs.spec.invariants, sorted);
  const pooledBad = Object.entries(pooled).filter(([id, tests]) => tests.some((t) => t.violated) && (cs.expect[id] ?? 'holds') === 'holds').map(([id]) => id);
  const unobserved = Object.keys(cs.expect).filter((id) => cs.expect[id] === 'violated' && !violations[id] && !(pooled[id] ?? []).some((t) => t.violated));
  const missingMarks = baseline ? Object.keys(required).filter((m) => required[m] === 0) : [];
  const failing = sorted.filter((l) => !l.ok);
  const planned = timing.planned ?? cs.runs;
  const sortedMarks = Object.fromEntries(Object.entries(marks).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    kind: 'campaign',
    scenario: cs.spec.name,
    scenarioHash: hashSpec(cs.spec),
    profile: cs.spec.profile,
    attackers: cs.attackers,
    seed: cs.seed,
    runsTotal: cs.runs,
    runsPlanned: planned,
    runs: sorted.length,
    complete: sorted.length >= planned || (cs.stopOnFailure === true && failing.length > 0),
    ok: failing.length === 0 && missingMarks.length === 0 && unobserved.length === 0 && pooledBad.length === 0,
    unobserved,
    expect: Object.fromEntries(cs.spec.invariants.map((id) => [id, cs.expect[id] ?? 'holds'])),
    violations,
    unexpectedRuns: failing.length,
    firstViolation,
    marks: sortedMarks,
    requiredMarks: required,
    missingMarks,
    shrinkSteps: sorted.reduce((a, l) => a + (l.shrinkSteps ?? 0), 0),
    replays: failing.flatMap((l) => l.unexpected.slice(0, 1).map((id) => ({ file: replayFileName(id, l.run), invariant: id, runIndex: l.run, traceHash: l.traceHash }))),
    ...(Object.keys(pooled).length ? { pooled } : {}),
    byRun: sorted.map((l) => ({ run: l.run, violated: l.violated })),
    search: cs.search ?? 'random',
    coverage: coverageOf(transitions, marks),
    runsPerSec: timing.wallMs > 0 ? Math.round((sorted.length / timing.wallMs) * 1000 * 1000) / 1000 : 0,
    wallMs: Math.round(timing.wallMs),
    workers: timing.workers,
    shards: timing.shards,
  };
}

/**
 * The campaign-level tests of a set of runs: for `non-targetability` (when checked), the pooled
 * test per targeting adversary over every run's tally. Empty when no run declared a target.
 */
export function pooledOf(invariants: readonly string[], lines: readonly Pick<RunLine, 'run' | 'seed' | 'traceHash' | 'targets'>[]): Record<string, PooledNonTargetability[]> {
  if (!invariants.includes('non-targetability')) return {};
  const tests = pooledNonTargetability(lines.map((l) => ({ run: l.run, seed: l.seed, traceHash: l.traceHash, targets: l.targets ?? [] })));
  return tests.length ? { 'non-targetability': tests } : {};
}

/** The deterministic part of a summary (what must be identical across workers, shards and merges). */
export function deterministicPart(s: CampaignSummary): Omit<CampaignSummary, 'runsPerSec' | 'wallMs' | 'workers' | 'shards'> {
  const { runsPerSec: _r, wallMs: _w, workers: _k, shards: _s, ...rest } = s;
  return rest;
}

/** Run indices of shard `index` of `count` (1-based index): a deterministic slice. */
export function shardRuns(runs: number, shard: { index: number; count: number } | null): number[] {
  const all = Array.from({ length: runs }, (_, i) => i);
  if (!shard) return all;
  return all.filter((i) => i % shard.count === shard.index - 1);
}
