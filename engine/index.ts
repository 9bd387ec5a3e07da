/**
 * The engines as a library (`private-processing-harness/engine`): a CI suite runs a campaign or
 * the threat matrix, and writes the same results folder and reports (HTML, summary.md, JUnit,
 * manifest) as the CLI, without spawning `pph`.
 *
 * @example
 * ```ts
 * import { runCampaign, runMatrix } from 'private-processing-harness/engine';
 * const c = await runCampaign({ scenario: 'campaign-relay', runs: 20, seed: 1, out: 'results/relay' });
 * c.summary.ok;             // every expectation held, every required mark reached
 * c.reports?.junit;         // results/relay/junit.xml
 * const m = await runMatrix({ profiles: ['pp'], adversaries: ['malicious-relay'], runs: 2, killRounds: 1, out: null });
 * m.result.ok;
 * ```
 */
import { relative, resolve } from 'node:path';
import { loadScenario } from '../scenarios/index.js';
import type { Scenario } from '../scenarios/schema.js';
import { knownAttackers } from '../adversaries/index.js';
import { isProfile, PROFILES } from '../model/profile.js';
import type { CampaignSpec } from '../sim/campaign.js';
import { runCampaign as runCampaignPool, type CampaignResult } from '../cli/campaign/pool.js';
import { matrixJob, expandProfiles } from '../cli/commands/matrix.js';
import { runMatrix as runMatrixOnly, type MatrixResult } from '../cli/campaign/matrix.js';
import { memoryIo } from '../cli/io.js';
import { writeReports, type WrittenReports } from '../reports/index.js';

export { writeReports, type WrittenReports } from '../reports/index.js';
export type { CampaignResult } from '../cli/campaign/pool.js';
export type { MatrixResult, MatrixCell, MatrixMutant } from '../cli/campaign/matrix.js';

function scenarioOf(s: string | Scenario): Scenario {
  return typeof s === 'string' ? loadScenario(s) : s;
}

export interface CampaignOptions {
  /** A built-in scenario name (`campaign-relay`), a path, or a loaded scenario. */
  scenario: string | Scenario;
  runs?: number;
  seed?: number;
  /** Adversaries, coalitions or conditions; default: the scenario's `adversaries:`. */
  adversaries?: string[];
  /** Profile instead of the scenario's (a baseline or a mutant). */
  profile?: string;
  workers?: number;
  /** Runs fast-check may spend shrinking one counterexample (default 40). */
  shrinkRuns?: number;
  /** Results folder: runs.jsonl, campaign.json, replay files and the reports. null: nothing written. */
  out?: string | null;
}

/**
 * One campaign, as `pph campaign` runs it: fast-check draws world seeds and adversary plans, each
 * run is a simulation, every failure is shrunk to a replay file.
 *
 * @throws {RangeError} for an unknown adversary or profile, or a budget out of range.
 */
export async function runCampaign(o: CampaignOptions): Promise<CampaignResult & { reports: WrittenReports | null }> {
  const loaded = scenarioOf(o.scenario);
  if (o.profile !== undefined && !isProfile(o.profile)) throw new RangeError(`unknown profile ${JSON.stringify(o.profile)} (one of: ${PROFILES.join(', ')})`);
  const scenario = o.profile === undefined ? loaded : { ...loaded, profile: o.profile };
  const attackers = o.adversaries ?? [...(scenario.adversaries ?? [])];
  if (attackers.length === 0) throw new RangeError(`scenario ${scenario.name} names no adversary: pass adversaries`);
  const known = knownAttackers();
  for (const a of attackers) if (!known.includes(a)) throw new RangeError(`unknown adversary ${JSON.stringify(a)} (known: ${known.join(', ')})`);
  const runs = o.runs ?? 50;
  const seed = o.seed ?? 1;
  if (!Number.isInteger(runs) || runs < 1 || runs > 1_000_000) throw new RangeError(`runs must be an integer in [1, 1000000], got ${runs}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new RangeError(`seed must be an integer in [0, 2^31-1], got ${seed}`);
  const cs: CampaignSpec = { spec: scenario, attackers, expect: { ...scenario.expect }, seed, runs, shrinkRuns: o.shrinkRuns ?? 40 };
  const out = o.out ? resolve(o.out) : null;
  const result = await runCampaignPool(cs, { workers: o.workers ?? 1, shard: null, timeLimitS: null, outDir: out, resume: false });
  const reports = out ? await writeReports(out, { command: ['campaign', typeof o.scenario === 'string' ? o.scenario : scenario.name, '--runs', String(runs), '--seed', String(seed), ...attackers.flatMap((a) => ['--adversary', a]), ...(o.profile ? ['--profile', o.profile] : []), '--out', relative(process.cwd(), out) || '.'] }) : null;
  return { ...result, reports };
}

export interface MatrixOptions {
  /** Profiles: pp, pcc, mutant names, `findings`, `mutations`, `all` (default pp, pcc, findings). */
  profiles?: string[];
  /** Attackers (default: every one in the expected-outcome files). */
  adversaries?: string[];
  runs?: number;
  killRounds?: number;
  seed?: number;
  workers?: number;
  /** The world (default the built-in `matrix` scenario): a name or a path. */
  scenario?: string;
  /** Expected outcomes file; `{base}` stands for pp and pcc (default: the built-in ones). */
  expected?: string;
  /** Results folder (matrix.json, matrix.md, replay files, reports); default pph-results/matrix. */
  out?: string;
}

/** The threat matrix, as `pph matrix` runs it, with its results folder and reports. */
export async function runMatrix(o: MatrixOptions = {}): Promise<{ result: MatrixResult; dir: string; index: string }> {
  const io = memoryIo(process.env);
  const profiles = expandProfiles((o.profiles ?? ['pp', 'pcc', 'findings']).join(','));
  return matrixJob(
    {
      runs: o.runs ?? 6,
      killRounds: o.killRounds ?? 12,
      seed: o.seed ?? 1,
      profiles,
      adversaries: o.adversaries ?? null,
      workers: o.workers ?? 1,
      scenario: o.scenario ?? null,
      expected: o.expected ?? null,
      out: o.out ?? 'pph-results/matrix',
      progress: false,
    } as Parameters<typeof matrixJob>[0],
    io,
    ['--profiles', profiles.join(','), ...(o.adversaries ? ['--adversaries', o.adversaries.join(',')] : []), '--runs', String(o.runs ?? 6), '--kill-rounds', String(o.killRounds ?? 12), '--seed', String(o.seed ?? 1)],
    'matrix',
  );
}

/** The matrix engine alone (no files): for tests that only want the cells. */
export { runMatrixOnly as runMatrixCells };
