/**
 * The threat matrix: every adversary (and coalition, and condition) × profile × invariant, each
 * cell observed by a campaign and compared with the expected outcomes of THREATS.md (data in
 * scenarios/expected/pp.yaml); and the mutant kill table. On the baseline every attacker runs its
 * full budget. On a mutant the search is generic: round after round, every attacker gets one run,
 * until some run breaks an expectation (the mutant is killed: runs-to-kill is the count of runs
 * the search spent) or the budget ends (it survived). No attacker is chosen for a mutant.
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../reports/atomic-write.js';
import { join } from 'node:path';
import { hashSpec, runDetailed } from '../../sim/runner.js';
import { pooledOf, resolveAll, sealReplay, shrinkRun, type CampaignSpec, type Catalogue, type ReplayFile, type RunLine } from '../../sim/campaign.js';
import { pooledNonTargetability, tallyFor, type PooledNonTargetability } from '../../model/invariants/non-targetability.js';
import type { RunSpec } from '../../sim/spec.js';
import { familyOf, PROFILE_DEFS } from '../../model/profile.js';
import type { ExpectedOutcomes } from '../../scenarios/expected.js';
import * as catalogue from '../../adversaries/index.js';
import { guidedJobs, runJobs, type Job } from './pool.js';
import type { RunOutcome } from '../../sim/campaign.js';
import { generationOf, type SearchMode } from '../../sim/guided.js';
import { addCounts, coverageOf, type CoverageSummary } from '../../sim/coverage.js';
import { Stopwatch } from '../../bench/stopwatch.js';

export interface MatrixOptions {
  base: RunSpec;
  baseRef: string;
  /** Expected outcomes per base protocol (`pp`, `pcc`): scenarios/expected/<base>.yaml. */
  expected: Record<string, ExpectedOutcomes>;
  profiles: string[];
  attackers: string[];
  /** Runs per attacker on the baseline; rounds of the kill search on a mutant. */
  runs: number;
  killRounds: number;
  seed: number;
  workers: number;
  outDir: string | null;
  shrinkRuns: number;
  /** How each cell's inputs are drawn (sim/guided.ts); default random. */
  search?: SearchMode;
  onJob?: (done: number, total: number) => void;
}

export interface MatrixCell {
  adversary: string;
  profile: string;
  invariant: string;
  expected: 'holds' | 'violated';
  observed: 'holds' | 'violated';
  runs: number;
  /** held | expected-violation | unexpected | unobserved (expected violated, never seen). */
  status: 'held' | 'expected-violation' | 'unexpected' | 'unobserved';
  replay: string | null;
  /** The cell's campaign-level test over its runs (non-targetability under a targeting adversary). */
  pooled?: PooledNonTargetability[];
}

/** A violation with its proof lines (event index into the replay's trace, and why). */
export interface MutantViolation {
  invariant: string;
  proof: { event: number; why: string }[];
}

export interface MatrixMutant {
  profile: string;
  finding: string | null;
  ablations: string[];
  /** An adversary caused a violation: it is absent from the passive re-run (same world seed, no adversary acting). */
  killed: boolean;
  by: string | null;
  invariant: string | null;
  /**
   * The caused violation: adversary, invariant and the proof of the kill run; for a kill by a
   * campaign-level test, `pooled` holds the test over the attacker's runs and the same test on
   * their passive re-runs (which must hold for the kill to count).
   */
  killedBy: (MutantViolation & { adversary: string; seed: number; pooled?: { active: PooledNonTargetability; passive: PooledNonTargetability } }) | null;
  /**
   * The first failing run's violations all appear in the passive re-run too (same world seed, the
   * adversary installed with an empty plan): the mutant is broken without any attacker. Not a kill.
   */
  baselineViolation: (MutantViolation & { seed: number; adversaryOfSearch: string; replay: string | null; pooled?: { active: PooledNonTargetability; passive: PooledNonTargetability } }) | null;
  runsToKill: number | null;
  replay: string | null;
  /** Why it cannot be killed by the catalogue, when it is a listed survivor. */
  survivorReason: string | null;
}

export interface MatrixResult {
  kind: 'matrix';
  ok: boolean;
  runs: number;
  killRounds: number;
  seed: number;
  profiles: string[];
  adversaries: string[];
  invariants: string[];
  scenarios: { name: string; ref: string; hash: string }[];
  cells: MatrixCell[];
  mutants: MatrixMutant[];
  totals: { runs: number; unexpectedCells: number; unobservedCells: number; mutantsKilled: number; mutantsBaselineViolated: number; mutantsSurvived: number; survivorsExpected: number };
  wallMs: number;
  runsPerSec: number;
  workers: number;
  /** How the inputs were drawn (sim/guided.ts). */
  search: SearchMode;
  /** Transition coverage per profile, over every kept run of that profile (all adversaries). */
  coverage: Record<string, CoverageSummary>;
}

const cat = catalogue as Catalogue & { COALITIONS: Record<string, readonly string[]> };

function members(attacker: string): string[] {
  return [...(cat.COALITIONS[attacker] ?? [attacker])];
}

/** The first of a failing run's violations that its passive re-run does not show (the adversary caused it), or null. */
export function causedInvariant(violated: readonly string[], passiveViolated: readonly string[]): string | null {
  return violated.find((inv) => !passiveViolated.includes(inv)) ?? null;
}

/**
 * Re-runs a kill's counterexample with the same world seed and the adversaries passive (installed
 * with nothing to do: no hook, no tap, no power used). Returns the first unexpected violation that
 * the passive run does not show (caused by the adversary) or, when every one shows there too, the
 * first of them as the mutant's baseline violation, with the passive run's proof.
 */
export function classifyKill(file: ReplayFile): { caused: MutantViolation | null; baseline: MutantViolation | null; passive: ReplayFile } {
  const d = runDetailed(file.scenario, { seed: file.seed, adversaries: [], keepTrace: true });
  const r = d.result;
  const expected = file.expected;
  const violated = Object.keys(r.verdicts).filter((id) => !r.verdicts[id]!.holds);
  const verdicts: ReplayFile['verdicts'] = {};
  for (const [id, v] of Object.entries(r.verdicts)) verdicts[id] = { holds: v.holds, proof: v.proof.map((p) => ({ event: p.event, why: p.why })) };
  const passive: ReplayFile = {
    ...file,
    attackers: [],
    plan: [],
    path: '',
    shrinkSteps: 0,
    verdicts,
    violated,
    unexpected: violated.filter((id) => (expected[id] ?? 'holds') === 'holds'),
    traceHash: r.traceHash,
    trace: [...d.trace],
  };
  const unexpected = file.unexpected.length ? file.unexpected : file.violated;
  const causedInv = causedInvariant(unexpected, violated);
  if (causedInv) return { caused: { invariant: causedInv, proof: file.verdicts[causedInv]?.proof ?? [] }, baseline: null, passive };
  const b = unexpected[0];
  return { caused: null, baseline: b ? { invariant: b, proof: verdicts[b]?.proof ?? [] } : null, passive };
}

/**
 * The passive re-run of a kill by the pooled non-targetability test: every run of the test is run
 * again with the same world seed and no adversary acting, and the same choice (user, nodes) is
 * tallied over the passive trace's `routed` facts. The kill counts (caused) only when the pooled
 * test on the passive runs holds; otherwise the mutant routes that way by itself (a baseline
 * violation).
 */
export function classifyPooledKill(spec: RunSpec, lines: readonly RunLine[], active: PooledNonTargetability): { caused: boolean; passive: PooledNonTargetability } {
  const runs = lines
    .filter((l) => (l.targets ?? []).some((t) => t.adversary === active.adversary))
    .map((l) => {
      const d = runDetailed(spec, { seed: l.seed, adversaries: [], keepTrace: true });
      const targets = (l.targets ?? []).filter((t) => t.adversary === active.adversary).map((t) => tallyFor(d.trace, { adversary: t.adversary, user: t.user, nodes: t.nodes, targetEvent: t.targetEvent }));
      return { run: l.run, seed: l.seed, traceHash: d.result.traceHash, targets };
    });
  const passive = pooledNonTargetability(runs, active.alpha, active.epsilon).find((t) => t.adversary === active.adversary)!;
  return { caused: !passive.violated, passive };
}

/** The proof lines of a pooled kill: the test, then one line per run naming its events. */
function pooledProof(t: PooledNonTargetability): { event: number; why: string }[] {
  return [
    { event: t.proof[0]?.targetEvent ?? 0, why: t.why },
    ...t.proof.filter((p) => p.k > 0).map((p) => ({ event: p.landed[0] ?? p.targetEvent, why: `run ${p.run} (world seed ${p.seed}, trace ${p.traceHash}): ${p.user} ${p.k} of ${p.n} routed requests on ${p.nodes.join(', ')} (routed facts at events ${p.landed.join(', ')}; target fact at event ${p.targetEvent})` })),
  ];
}

export function replayName(profile: string, attacker: string, invariant: string, run: number): string {
  return `replay-${profile}-${attacker.replace(/\+/g, '_')}-${invariant}-${run}.json`;
}

export async function runMatrix(o: MatrixOptions): Promise<MatrixResult> {
  const watch = new Stopwatch();
  const invariants = [...o.base.invariants];
  const specFor = (profile: string): RunSpec => ({ ...o.base, name: `${o.base.name}-${profile}`, profile });
  // The expectations family: the base protocol, or an evidence profile's own (e.g. pp-tdx).
  const baseOf = (profile: string) => familyOf(profile);
  const expectedOf = (profile: string): ExpectedOutcomes => {
    const e = o.expected[baseOf(profile)];
    if (!e) throw new Error(`no expected outcomes for the ${baseOf(profile)} profiles (scenarios/expected/${baseOf(profile)}.yaml)`);
    return e;
  };
  /** An attacker applies to a profile when each member acts on its base protocol and it has expectations there. */
  const applies = (profile: string, attacker: string) =>
    attacker in expectedOf(profile).expected && resolveAll(cat, members(attacker)).every((a) => !a.profiles || a.profiles.includes(baseOf(profile)));
  const csFor = (profile: string, attacker: string, runs: number): CampaignSpec => ({
    spec: specFor(profile),
    attackers: members(attacker),
    expect: Object.fromEntries(Object.entries(expectedOf(profile).expected[attacker] ?? {}).filter((e): e is [string, 'holds' | 'violated'] => e[1] !== undefined)),
    seed: o.seed,
    runs,
    shrinkRuns: o.shrinkRuns,
    ...(o.search === 'guided' ? { search: 'guided' as const } : {}),
  });
  type Tagged = Job & { profile: string; attacker: string; pos: number };
  const jobs: Tagged[] = [];
  const specs = new Map<string, CampaignSpec>();
  for (const profile of o.profiles) {
    const baseline = (PROFILE_DEFS[profile]?.ablations.length ?? 0) === 0;
    const rounds = baseline ? o.runs : o.killRounds;
    const mine = o.attackers.filter((a) => applies(profile, a));
    mine.forEach((a) => specs.set(`${profile}/${a}`, csFor(profile, a, rounds)));
    let pos = 0;
    for (let r = 0; r < rounds; r++) for (const a of mine) jobs.push({ cs: specs.get(`${profile}/${a}`)!, run: r, profile, attacker: a, pos: pos++ });
  }
  const killAt = new Map<string, number>();
  const lines = new Map<string, RunLine[]>();
  const replays = new Map<string, ReplayFile>();
  let done = 0;
  const isMutant = (p: string) => (PROFILE_DEFS[p]?.ablations.length ?? 0) > 0;
  const mayStart = (job: Job) => {
    const j = job as Tagged;
    return !isMutant(j.profile) || j.pos < (killAt.get(j.profile) ?? Infinity);
  };
  const onDone = (job: Job, outcome: RunOutcome) => {
    const j = job as Tagged;
    done++;
    o.onJob?.(done, jobs.length);
    const key = `${j.profile}/${j.attacker}`;
    lines.set(key, [...(lines.get(key) ?? []), { ...outcome.line, pos: j.pos } as RunLine & { pos: number }]);
    if (outcome.replay) replays.set(`${key}/${j.run}`, outcome.replay);
    if (!outcome.line.ok && isMutant(j.profile)) killAt.set(j.profile, Math.min(killAt.get(j.profile) ?? Infinity, j.pos));
  };
  if (o.search === 'guided') {
    // Generation by generation (sim/guided.ts): each cell's run r mutates an input of its own
    // earlier generations; every cell of a generation runs in parallel.
    const gens = [...new Set(jobs.map((j) => generationOf(j.run)))].sort((a, b) => a - b);
    for (const g of gens) {
      const slice = jobs.filter((j) => generationOf(j.run) === g && mayStart(j));
      for (const key of new Set(slice.map((j) => `${j.profile}/${j.attacker}`))) {
        const mine = slice.filter((j) => `${j.profile}/${j.attacker}` === key);
        const cs = specs.get(key)!;
        guidedJobs(cs, resolveAll(cat, cs.attackers), mine, lines.get(key) ?? []);
      }
      await runJobs(slice, o.workers, mayStart, onDone);
    }
  } else await runJobs(jobs, o.workers, mayStart, onDone);

  // Campaign-level kills: on a mutant, the pooled non-targetability test over each attacker's runs
  // up to the first per-run kill (one look per cell). When it fires, the kill is at that
  // attacker's last run of the set, if that comes earlier.
  const pooledKill = new Map<string, { attacker: string; pos: number; test: PooledNonTargetability; lines: RunLine[] }>();
  for (const profile of o.profiles) {
    if (!isMutant(profile)) continue;
    const perRun = killAt.get(profile) ?? Infinity;
    for (const a of o.attackers) {
      const mine = (lines.get(`${profile}/${a}`) ?? []).filter((l) => (l as RunLine & { pos: number }).pos <= perRun);
      const test = (pooledOf(invariants, mine)['non-targetability'] ?? []).find((t) => t.violated);
      if (!test) continue;
      const pos = Math.max(...mine.map((l) => (l as RunLine & { pos: number }).pos));
      const best = pooledKill.get(profile);
      if (pos < Math.min(perRun, best?.pos ?? Infinity)) pooledKill.set(profile, { attacker: a, pos, test, lines: mine });
    }
    const pk = pooledKill.get(profile);
    if (pk) killAt.set(profile, pk.pos);
  }

  const files = new Map<string, ReplayFile>();
  const cells: MatrixCell[] = [];
  const mutants: MatrixMutant[] = [];
  const coverage: Record<string, CoverageSummary> = {};
  for (const profile of o.profiles) {
    const kill = killAt.get(profile) ?? Infinity;
    const hits: Record<string, number> = {};
    const marks: Record<string, number> = {};
    for (const a of o.attackers) {
      const key = `${profile}/${a}`;
      const kept = (lines.get(key) ?? []).filter((l) => (l as RunLine & { pos: number }).pos <= kill).sort((x, y) => x.run - y.run);
      for (const l of kept) {
        addCounts(hits, l.transitions);
        addCounts(marks, l.marks);
      }
      if (kept.length === 0) continue;
      const cs = specs.get(key)!;
      for (const inv of invariants) {
        const expected = cs.expect[inv] ?? 'holds';
        const violating = kept.filter((l) => l.violated.includes(inv));
        const pooled = pooledOf(invariants, kept)[inv];
        const observed = violating.length || (pooled ?? []).some((t) => t.violated) ? 'violated' : 'holds';
        const status = expected === 'holds' ? (observed === 'holds' ? 'held' : 'unexpected') : observed === 'violated' ? 'expected-violation' : 'unobserved';
        let replay: string | null = null;
        if (violating.length) {
          const first = violating[0]!;
          let file = replays.get(`${key}/${first.run}`) ?? null;
          // An expected violation is backed by a shrunk counterexample too (baseline only: the
          // mutants' table links the run that killed them).
          if (!file && !isMutant(profile)) {
            const shrunkKey = `${key}/${first.run}/expected`;
            if (!replays.has(shrunkKey)) replays.set(shrunkKey, shrinkRun(cs, resolveAll(cat, cs.attackers), first.run, first.violated.filter((id) => cs.expect[id] === 'violated')));
            file = replays.get(shrunkKey)!;
          }
          if (file && file.violated.includes(inv)) {
            replay = replayName(profile, a, (file.unexpected[0] ?? file.violated[0])!, first.run);
            files.set(replay, file);
          }
        }
        cells.push({ adversary: a, profile, invariant: inv, expected, observed, runs: kept.length, status, replay, ...(pooled ? { pooled } : {}) });
      }
    }
    coverage[profile] = coverageOf(hits, marks);
    const pk = pooledKill.get(profile);
    if (isMutant(profile) && pk) {
      // A kill by the pooled test: no single run shows it, so there is no replay file; the proof
      // names every run (world seed, trace hash, events) and the passive re-runs must hold.
      const def = PROFILE_DEFS[profile]!;
      const verdict = classifyPooledKill(specFor(profile), pk.lines, pk.test);
      const pooled = { active: pk.test, passive: verdict.passive };
      const seed = pk.test.proof[0]?.seed ?? 0;
      mutants.push({
        profile,
        finding: def.finding ?? null,
        ablations: [...def.ablations],
        killed: verdict.caused,
        by: verdict.caused ? pk.attacker : null,
        invariant: 'non-targetability',
        killedBy: verdict.caused ? { adversary: pk.attacker, seed, invariant: 'non-targetability', proof: pooledProof(pk.test), pooled } : null,
        baselineViolation: verdict.caused ? null : { invariant: 'non-targetability', proof: pooledProof(verdict.passive), seed, adversaryOfSearch: pk.attacker, replay: null, pooled },
        runsToKill: pk.pos + 1,
        replay: null,
        survivorReason: expectedOf(profile).survivors[profile] ?? null,
      });
    } else if (isMutant(profile)) {
      const def = PROFILE_DEFS[profile]!;
      const killer = kill === Infinity ? null : jobs.find((j) => j.profile === profile && j.pos === kill)!;
      const killLine = killer ? (lines.get(`${profile}/${killer.attacker}`) ?? []).find((l) => l.run === killer.run) : undefined;
      const file = killer ? replays.get(`${profile}/${killer.attacker}/${killer.run}`) ?? null : null;
      // Kills must be caused: the shrunk counterexample is re-run with the same world seed and no
      // adversary acting. A violation that appears there too is the mutant's baseline violation.
      const verdict = killer && file ? classifyKill(file) : null;
      const inv = verdict?.caused?.invariant ?? verdict?.baseline?.invariant ?? killLine?.unexpected[0] ?? null;
      const rf = killer && inv ? replayName(profile, killer.attacker, inv, killer.run) : null;
      if (rf && file) files.set(rf, file);
      const caused = verdict?.caused ?? null;
      const passiveFile = !caused && verdict?.baseline && inv && killer ? `replay-${profile}-passive-${inv}-${killer.run}.json` : null;
      if (passiveFile && verdict) files.set(passiveFile, verdict.passive);
      mutants.push({
        profile,
        finding: def.finding ?? null,
        ablations: [...def.ablations],
        killed: caused !== null,
        by: caused ? killer!.attacker : null,
        invariant: inv,
        killedBy: caused && killer && file ? { adversary: killer.attacker, seed: file.seed, ...caused } : null,
        baselineViolation: !caused && verdict?.baseline && killer && file ? { ...verdict.baseline, seed: file.seed, adversaryOfSearch: killer.attacker, replay: passiveFile! } : null,
        runsToKill: killer ? kill + 1 : null,
        replay: rf,
        survivorReason: expectedOf(profile).survivors[profile] ?? null,
      });
    }
  }
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    for (const [name, file] of files) writeFileAtomic(join(o.outDir, name), `${JSON.stringify(sealReplay(file), null, 1)}\n`);
  }
  // On a mutant, an unexpected cell is the kill and later rounds were never run: only the
  // baseline profiles' cells are compared with their expectations.
  const baselineCells = cells.filter((c) => !isMutant(c.profile));
  const unexpectedCells = baselineCells.filter((c) => c.status === 'unexpected').length;
  const unobservedCells = baselineCells.filter((c) => c.status === 'unobserved').length;
  // A mutant broken without any attacker is caught (by its baseline violation), not a survivor.
  const survived = mutants.filter((m) => !m.killed && m.baselineViolation === null);
  const totalRuns = [...lines.values()].reduce((a, l) => a + l.length, 0);
  const wallMs = watch.elapsedMs();
  return {
    kind: 'matrix',
    ok: unexpectedCells === 0 && unobservedCells === 0 && survived.every((m) => m.survivorReason !== null),
    runs: o.runs,
    killRounds: o.killRounds,
    seed: o.seed,
    profiles: o.profiles,
    adversaries: o.attackers,
    invariants,
    scenarios: o.profiles.map((p) => ({ name: `${o.base.name}-${p}`, ref: o.baseRef, hash: hashSpec(specFor(p)) })),
    cells,
    mutants,
    totals: { runs: totalRuns, unexpectedCells, unobservedCells, mutantsKilled: mutants.filter((m) => m.killed).length, mutantsBaselineViolated: mutants.filter((m) => m.baselineViolation !== null).length, mutantsSurvived: survived.length, survivorsExpected: survived.filter((m) => m.survivorReason !== null).length },
    wallMs: Math.round(wallMs),
    runsPerSec: wallMs > 0 ? Math.round((totalRuns / wallMs) * 1e6) / 1e3 : 0,
    workers: o.workers,
    search: o.search ?? 'random',
    coverage,
  };
}
