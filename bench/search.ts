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
 * The run counts are deterministic (a pure function of seed and search); only wallMs is measured.
 */
import { join } from 'node:path';
import { loadScenario, resolveScenarioPath } from '../scenarios/index.js';
import { expectedDir, loadExpected } from '../scenarios/expected.js';
import { knownAttackers } from '../adversaries/index.js';
import { runCampaign } from '../cli/campaign/pool.js';
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

/** Runs to kill of `mutant` by `adversary` with `search` and campaign seed `seed`. */
export async function runsToKill(mutant: string, adversary: string, search: SearchMode, seed: number, maxRuns: number): Promise<number | null> {
  const base = loadScenario(resolveScenarioPath('matrix', process.cwd()));
  const expected = loadExpected(join(expectedDir(), `${familyOf(mutant)}.yaml`), knownAttackers());
  const expect = Object.fromEntries(Object.entries(expected.expected[adversary] ?? {}).filter((e): e is [string, 'holds' | 'violated'] => e[1] !== undefined));
  const cs: CampaignSpec = { spec: { ...base, name: `${base.name}-${mutant}`, profile: mutant }, attackers: [adversary], expect, seed, runs: maxRuns, shrinkRuns: 0, stopOnFailure: true, ...(search === 'guided' ? { search } : {}) };
  const r = await runCampaign(cs, { workers: 1, shard: null, timeLimitS: null, outDir: null, resume: false });
  const first = r.lines.find((l) => !l.ok);
  return first ? first.run + 1 : null;
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
      random.push(await runsToKill(mutant, adversary, 'random', seed, maxRuns));
      guided.push(await runsToKill(mutant, adversary, 'guided', seed, maxRuns));
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
