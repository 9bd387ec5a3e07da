/**
 * One `pph explore`: the symbolic world of each adversary explored breadth-first (in worker
 * threads with `workers > 1`, one adversary per job), the shortest counterexample over all of
 * them confirmed concretely (cli/explore/confirm.ts), the result as `explore.json` data.
 */
import { makeWorld, type SymbolicAdversary, type WorldConfig } from '../../sim/explore/model.js';
import { explore, type Counterexample, type ExploreBounds, type ExploreResult } from '../../sim/explore/explorer.js';
import { worldOf } from '../../sim/explore/worlds.js';
import type { RunSpec } from '../../sim/spec.js';
import { entryBeside, spawnWorker } from '../../tee/spawn-worker.js';
import { confirm, runPlan, type Confirmation } from './confirm.js';
import { CONCRETE_ADVERSARIES, exploreConcrete, type ConcreteAdversary } from './concrete.js';
import { addRunHits, coverageOf, newRunHits, type CoverageSummary, type RunHits } from '../../sim/coverage.js';
import { ruleCoverageOf, type ModelRuleCoverage } from '../../sim/explore/rules.js';
import { PROFILE_DEFS } from '../../model/profile.js';

export const EXPLORE_SCHEMA_VERSION = 1;

export interface ExploreOptions {
  spec: RunSpec;
  adversaries: SymbolicAdversary[];
  bounds: ExploreBounds;
  workers: number;
  /** Requests in the symbolic world (default: the scenario's, at most 2). */
  requests?: number;
  /** Attacker actions per behaviour (default 2). */
  attacks?: number;
  /** Run the counterexample in the real simulator (default true). */
  confirm?: boolean;
  /** symbolic (default): Dolev–Yao terms; concrete: the real simulator, stateless (cli/explore/concrete.ts). */
  engine?: 'symbolic' | 'concrete';
  /** The world seed of the concrete engine (default 1). */
  seed?: number;
}

export interface PerAdversary {
  adversary: SymbolicAdversary;
  states: number;
  transitions: number;
  depthReached: number;
  exhausted: boolean;
  truncated: boolean;
  counterexample: { invariants: string[]; depth: number } | null;
}

export interface ExploreFile {
  kind: 'explore';
  schemaVersion: typeof EXPLORE_SCHEMA_VERSION;
  ok: boolean;
  engine: 'symbolic' | 'concrete';
  scenario: string;
  /** The scenario as named on the command line, and its hash with the profile applied (set by cli/commands/explore.ts). */
  scenarioRef?: string;
  scenarioHash?: string;
  profile: string;
  world: { nodes: number; users: number; requests: number; maxAttacks: number };
  bounds: ExploreBounds;
  adversaries: string[];
  invariants: string[];
  states: number;
  transitions: number;
  depthReached: number;
  /** Wall time and throughput: not part of the deterministic result. */
  wallMs: number;
  statesPerMinute: number;
  workers: number;
  perAdversary: PerAdversary[];
  counterexample: null | {
    adversary: string;
    invariants: string[];
    depth: number;
    actions: string[];
    attack: string[];
  };
  confirmation: null | Omit<Confirmation, 'replay' | 'hits'>;
  /**
   * Machine-transition coverage (sim/coverage.ts) of the exploration's own simulator runs: the
   * concrete engine only (every run it made, up to where each stopped); null for the symbolic engine.
   */
  coverage: CoverageSummary | null;
  /** Model-rule coverage (sim/explore/rules.ts) of the symbolic engine: not machine transitions; null for the concrete engine. */
  modelCoverage: ModelRuleCoverage | null;
  /** Machine-transition coverage of the confirmation's concrete runs (every seed tried); null when nothing was confirmed. */
  confirmationCoverage: CoverageSummary | null;
  discrepancy: null | { reason: string; concrete: Confirmation['concrete'] };
  replay: string | null;
}

/** The invariants the symbolic model checks (a subset of PROTOCOL.md's). */
export const MODEL_INVARIANTS = ['confidentiality', 'attestation', 'integrity', 'freshness', 'unlinkability', 'stateless', 'non-targetability', 'transparency'] as const;

export { adversariesFor, worldOf } from '../../sim/explore/worlds.js';

async function exploreAll(jobs: WorldConfig[], bounds: ExploreBounds, workers: number): Promise<ExploreResult[]> {
  if (workers <= 1 || jobs.length <= 1) return jobs.map((w) => explore(makeWorld(w), bounds));
  const results: ExploreResult[] = new Array(jobs.length);
  let next = 0;
  const pool = Array.from({ length: Math.min(workers, jobs.length) }, () => spawnWorker(entryBeside(import.meta.url, 'worker'), {}));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= jobs.length) return resolve();
              const id = next++;
              worker.postMessage({ id, world: jobs[id], bounds });
            };
            worker.on('message', (m: { ready?: boolean; id?: number; result?: ExploreResult; error?: string }) => {
              if (m.ready) return send();
              if (m.error) return reject(new Error(`explore worker: ${m.error}`));
              results[m.id!] = m.result!;
              send();
            });
            worker.on('error', reject);
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/** Explores, confirms, and returns the explore.json content and the replay file (if any). */
export async function runExplore(o: ExploreOptions, clock: () => number): Promise<{ file: ExploreFile; replay: Confirmation['replay'] }> {
  if (o.engine === 'concrete') return runConcrete(o, clock);
  const t0 = clock();
  const jobs = o.adversaries.map((a) => worldOf(o.spec, a, o.requests, o.attacks));
  const results = await exploreAll(jobs, o.bounds, o.workers);
  const wallMs = Math.max(1, clock() - t0);
  const perAdversary = perAdversaryOf(results, o.adversaries);
  // The shortest counterexample over all adversaries (ties: catalogue order).
  let best: { i: number; cex: Counterexample } | null = null;
  results.forEach((r, i) => {
    if (r.counterexample && (!best || r.counterexample.depth < best.cex.depth)) best = { i, cex: r.counterexample };
  });
  const states = results.reduce((s, r) => s + r.states, 0);
  const w0 = jobs[0]!;
  const file: ExploreFile = {
    kind: 'explore',
    schemaVersion: EXPLORE_SCHEMA_VERSION,
    ok: best === null,
    engine: 'symbolic',
    scenario: o.spec.name,
    profile: o.spec.profile,
    world: { nodes: w0.nodes, users: w0.users, requests: w0.requests, maxAttacks: w0.maxAttacks ?? 2 },
    bounds: o.bounds,
    adversaries: o.adversaries,
    invariants: [...MODEL_INVARIANTS],
    states,
    transitions: results.reduce((s, r) => s + r.transitions, 0),
    depthReached: Math.max(...results.map((r) => r.depthReached)),
    wallMs: Math.round(wallMs),
    statesPerMinute: Math.round((states / wallMs) * 60_000),
    workers: o.workers,
    perAdversary,
    counterexample: null,
    confirmation: null,
    coverage: null,
    modelCoverage: ruleCoverageOf(sumHits(results.map((r) => r.ruleHits)), PROFILE_DEFS[o.spec.profile]!.base, o.adversaries),
    confirmationCoverage: null,
    discrepancy: null,
    replay: null,
  };
  let replay: Confirmation['replay'] = null;
  if (best) {
    const { i, cex } = best as { i: number; cex: Counterexample };
    const adversary = o.adversaries[i]!;
    file.counterexample = { adversary, invariants: cex.invariants, depth: cex.depth, actions: cex.actions.map((a) => a.text), attack: cex.actions.filter((a) => a.kind === 'attack').map((a) => a.text) };
    if (o.confirm !== false) {
      const c = confirm(o.spec, adversary, cex);
      const { replay: r, hits, ...rest } = c;
      file.confirmation = rest;
      file.confirmationCoverage = runCoverage(hits);
      replay = r;
      if (!c.confirmed) {
        file.discrepancy = {
          reason: `the symbolic counterexample (${cex.invariants.join(', ')} at depth ${cex.depth}) did not violate ${cex.invariants.join(' or ')} in the real simulator on any of ${c.seedsTried} seeds: a bug in the model or in the simulator`,
          concrete: c.concrete,
        };
      }
    }
  }
  return { file, replay };
}

/** The concrete world the engine runs: the symbolic world's size (at most 3 nodes, 2 users, 2 requests). */
export function concreteSpec(spec: RunSpec, requests?: number): RunSpec {
  const w = worldOf(spec, 'replay', requests);
  return { ...spec, world: { ...spec.world, nodes: w.nodes, users: w.users, requests: w.requests } };
}

/** `--engine concrete`: the same output shape, each adversary's search run in the real simulator. */
async function runConcrete(o: ExploreOptions, clock: () => number): Promise<{ file: ExploreFile; replay: Confirmation['replay'] }> {
  const t0 = clock();
  const spec = concreteSpec(o.spec, o.requests);
  const seed = o.seed ?? 1;
  const attacks = o.attacks ?? 2;
  const invariants = spec.invariants.filter((i) => (MODEL_INVARIANTS as readonly string[]).includes(i));
  for (const a of o.adversaries) if (!(CONCRETE_ADVERSARIES as string[]).includes(a)) throw new RangeError(`the concrete engine drives ${CONCRETE_ADVERSARIES.join(', ')}, not ${a}`);
  const results = o.adversaries.map((a) => exploreConcrete(spec, seed, a as ConcreteAdversary, o.bounds, attacks, invariants));
  const wallMs = Math.max(1, clock() - t0);
  const states = results.reduce((s, r) => s + r.states, 0);
  let best = -1;
  results.forEach((r, i) => {
    if (r.counterexample && (best < 0 || r.counterexample.depth < results[best]!.counterexample!.depth)) best = i;
  });
  const file: ExploreFile = {
    kind: 'explore',
    schemaVersion: EXPLORE_SCHEMA_VERSION,
    ok: best < 0,
    engine: 'concrete',
    scenario: spec.name,
    profile: spec.profile,
    world: { nodes: spec.world.nodes, users: spec.world.users, requests: spec.world.requests, maxAttacks: attacks },
    bounds: o.bounds,
    adversaries: o.adversaries,
    invariants,
    states,
    transitions: results.reduce((s, r) => s + r.transitions, 0),
    depthReached: Math.max(...results.map((r) => r.depthReached)),
    wallMs: Math.round(wallMs),
    statesPerMinute: Math.round((states / wallMs) * 60_000),
    workers: 1,
    perAdversary: perAdversaryOf(results, o.adversaries),
    counterexample: null,
    confirmation: null,
    coverage: runCoverage(results.reduce((acc, r) => addRunHits(acc, r.hits), newRunHits())),
    modelCoverage: null,
    confirmationCoverage: null,
    discrepancy: null,
    replay: null,
  };
  if (best < 0) return { file, replay: null };
  const adversary = o.adversaries[best]!;
  const cex = results[best]!.counterexample!;
  file.counterexample = { adversary, invariants: cex.invariants, depth: cex.depth, actions: cex.actions, attack: cex.attack };
  // Already concrete: the whole run of the plan (not just its prefix) must violate it too, and is the replay file.
  const run = runPlan(spec, adversary, seed, cex.plan);
  const confirmed = cex.invariants.some((id) => run.violated.includes(id));
  file.confirmation = { confirmed, seed: confirmed ? seed : null, seedsTried: 1, plan: cex.plan, concrete: [{ seed, violated: run.violated }] };
  file.confirmationCoverage = runCoverage(run.hits);
  if (!confirmed) {
    file.discrepancy = { reason: `the prefix violated ${cex.invariants.join(', ')} but the whole run of its plan did not: a bug in the concrete engine`, concrete: file.confirmation.concrete };
    return { file, replay: null };
  }
  return { file, replay: run.replay };
}

/** Counter arrays summed slot by slot (the adversaries' explorations, in catalogue order). */
function sumHits(all: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (const h of all) h.forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
  return out;
}

/** The campaign/matrix coverage shape (sim/coverage.ts) of summed simulator-run hits. */
function runCoverage(h: RunHits): CoverageSummary {
  return coverageOf(h.transitions, h.marks);
}

/** One row per adversary of an exploration (either engine): its counts and its shortest counterexample's invariants and depth. */
function perAdversaryOf(results: readonly (Omit<PerAdversary, 'adversary' | 'counterexample'> & { counterexample: { invariants: string[]; depth: number } | null })[], adversaries: readonly SymbolicAdversary[]): PerAdversary[] {
  return results.map((r, i) => ({
    adversary: adversaries[i]!,
    states: r.states,
    transitions: r.transitions,
    depthReached: r.depthReached,
    exhausted: r.exhausted,
    truncated: r.truncated,
    counterexample: r.counterexample ? { invariants: [...r.counterexample.invariants], depth: r.counterexample.depth } : null,
  }));
}
