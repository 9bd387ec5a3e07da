/**
 * Runs-to-kill of the real-finding mutants (model/profile.ts FINDING_PROFILES) under random and
 * coverage-guided search, side by side (issue 12 item 3). Each mutant is attacked by the adversary
 * that kills it in the threat matrix (the table below), with that adversary's expectations from
 * scenarios/expected/<family>.yaml; a campaign stops at its first run that breaks an expectation,
 * and runs-to-kill is that run's index + 1 (null: not killed within `maxRuns`). One attacker per
 * mutant, not the matrix's round-robin over every attacker: the round-robin multiplies both
 * searches' counts by the number of attackers and would hide the difference in noise, at 18× the
 * cost. Several campaign seeds per mutant (1–5 by default); the median is the figure. Where
 * random's median is 1 run (it kills in its first run on most seeds), a tie is the best guided
 * can do: its first run is random's first run by design.
 *
 * A kill counts only when the adversary caused it (as in `pph matrix`, cli/campaign/matrix.ts
 * classifyKill): the run's world seed, re-run with no adversary acting, must not show the
 * violation. A mutant may break an invariant by itself in some worlds (`pp-no-client-nonce`'s
 * attestation race happens in a few world seeds with a clean network); such a run is no kill,
 * and the search goes on past it.
 *
 * The run counts are deterministic (a pure function of seed and search); only wallMs is measured.
 */
import { join } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../scenarios/index.js';
import { expectedDir, loadExpected } from '../scenarios/expected.js';
import { knownAttackers } from '../adversaries/index.js';
import { guidedJobs } from '../cli/campaign/pool.js';
import { causedInvariant } from '../cli/campaign/matrix.js';
import { executeRun, resolveAll, type Catalogue, type RunLine } from '../sim/campaign.js';
import { GUIDED_BATCH } from '../sim/guided.js';
import { runDetailed } from '../sim/runner.js';
import * as catalogue from '../adversaries/index.js';
import { FINDING_PROFILES, familyOf } from '../model/profile.js';
import type { CampaignSpec } from '../sim/campaign.js';
import type { SearchMode } from '../sim/guided.js';
import { Stopwatch } from './stopwatch.js';

/** The adversary that kills each real-finding mutant in `pph matrix` (README's kill table). */
export const KILLERS: Record<string, string> = {
  'pp-no-client-nonce': 'replay',
  'pp-tcb-from-report': 'forged-quote',
  'pp-unmeasured-config': 'unmeasured-input',
  'pp-weak-binder': 'malicious-gateway',
  'pp-no-key-consistency': 'issuer-tagging',
  'pp-no-log-consistency': 'split-view-log',
  'pp-no-spent-record': 'replay',
  'pp-no-k-cap': 'k-inflation',
};

export interface SearchRow {
  mutant: string;
  adversary: string;
  /** Runs to kill per seed (null: survived `maxRuns`). */
  random: (number | null)[];
  guided: (number | null)[];
  /** Medians over the seeds (a survivor counts as maxRuns + 1). */
  randomMedian: number;
  guidedMedian: number;
  /**
   * How the medians compare. `tie (best possible)`: random's median is 1 run, which guided cannot
   * beat (its first run is random's first run by design; a median of 1 is the least there is).
   */
  verdict: 'guided fewer' | 'tie' | 'tie (best possible)' | 'guided more';
}

export interface SearchFigures {
  seeds: number[];
  maxRuns: number;
  rows: SearchRow[];
  /** Mutants where guided's median is below random's, equal, above. */
  guidedFewer: number;
  ties: number;
  guidedMore: number;
  /** Sum of the medians. */
  randomTotal: number;
  guidedTotal: number;
  wallMs: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Whether a failing run's violation was caused by the adversary: one of its unexpected
 * violations is absent from the passive re-run (same world seed, no adversary).
 */
export function causedKill(cs: CampaignSpec, line: Pick<RunLine, 'ok' | 'seed' | 'unexpected'>): boolean {
  if (line.ok) return false;
  const passive = runDetailed(cs.spec, { seed: line.seed, adversaries: [], keepTrace: false }).result;
  const passiveViolated = Object.keys(passive.verdicts).filter((id) => !passive.verdicts[id]!.holds);
  return causedInvariant(line.unexpected, passiveViolated) !== null;
}

/**
 * Runs to kill of `mutant` by `adversary` with `search` and campaign seed `seed`: the index + 1 of
 * the first run whose violation the adversary caused ({@link causedKill}), null when none did in
 * `maxRuns`. The runs are the campaign's (the same inputs as `pph campaign --seed S [--search
 * guided]`: executeRun, and guidedJobs generation by generation), on this thread, unshrunk.
 */
export function runsToKill(mutant: string, adversary: string, search: SearchMode, seed: number, maxRuns: number): number | null {
  const base = loadScenario(resolveScenarioPath('matrix', process.cwd()));
  const expected = loadExpected(join(expectedDir(), `${familyOf(mutant)}.yaml`), knownAttackers());
  const expect = Object.fromEntries(Object.entries(expected.expected[adversary] ?? {}).filter((e): e is [string, 'holds' | 'violated'] => e[1] !== undefined));
  const cs: CampaignSpec = { spec: { ...base, name: `${base.name}-${mutant}`, profile: mutant }, attackers: [adversary], expect, seed, runs: maxRuns, shrinkRuns: 0, ...(search === 'guided' ? { search } : {}) };
  const adversaries = resolveAll(catalogue as Catalogue, cs.attackers);
  const lines: RunLine[] = [];
  for (let start = 0; start < maxRuns; start += GUIDED_BATCH) {
    const runs = Array.from({ length: Math.min(GUIDED_BATCH, maxRuns - start) }, (_, k) => start + k);
    const jobs = search === 'guided' ? guidedJobs(cs, adversaries, runs, lines) : runs.map((run) => ({ cs, run, guide: null }));
    for (const j of jobs) {
      const { line } = executeRun(cs, adversaries, j.run, j.guide ?? null);
      if (causedKill(cs, line)) return j.run + 1;
      lines.push(line);
    }
  }
  return null;
}

export async function measureSearch(options: { seeds?: number[]; maxRuns?: number; mutants?: string[]; log?: (line: string) => void } = {}): Promise<SearchFigures> {
  const seeds = options.seeds ?? [1, 2, 3, 4, 5];
  const maxRuns = options.maxRuns ?? 32;
  const mutants = options.mutants ?? Object.keys(FINDING_PROFILES);
  const watch = new Stopwatch();
  const rows: SearchRow[] = [];
  for (const mutant of mutants) {
    const adversary = KILLERS[mutant];
    if (!adversary) throw new Error(`no killing adversary listed for ${mutant} (bench/search.ts KILLERS)`);
    const random: (number | null)[] = [];
    const guided: (number | null)[] = [];
    for (const seed of seeds) {
      random.push(runsToKill(mutant, adversary, 'random', seed, maxRuns));
      guided.push(runsToKill(mutant, adversary, 'guided', seed, maxRuns));
      options.log?.(`search: ${mutant} by ${adversary} seed ${seed}: random ${random.at(-1) ?? 'survived'}, guided ${guided.at(-1) ?? 'survived'}`);
    }
    const m = (xs: (number | null)[]) => median(xs.map((x) => x ?? maxRuns + 1));
    const randomMedian = m(random);
    const guidedMedian = m(guided);
    const verdict = guidedMedian < randomMedian ? 'guided fewer' : guidedMedian > randomMedian ? 'guided more' : randomMedian <= 1 ? 'tie (best possible)' : 'tie';
    rows.push({ mutant, adversary, random, guided, randomMedian, guidedMedian, verdict });
  }
  return {
    seeds,
    maxRuns,
    rows,
    guidedFewer: rows.filter((r) => r.guidedMedian < r.randomMedian).length,
    ties: rows.filter((r) => r.guidedMedian === r.randomMedian).length,
    guidedMore: rows.filter((r) => r.guidedMedian > r.randomMedian).length,
    randomTotal: rows.reduce((a, r) => a + r.randomMedian, 0),
    guidedTotal: rows.reduce((a, r) => a + r.guidedMedian, 0),
    wallMs: Math.round(watch.elapsedMs()),
  };
}
