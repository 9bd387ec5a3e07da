/**
 * Runs to kill (bench/search.ts): a kill counts only when the adversary caused it, as in `pph
 * matrix`. `pp-no-client-nonce` breaks freshness by itself in some worlds (its attestation race
 * happens with a clean network in world seed 21): a run there is no kill, and the search goes on.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { causedKill, KILLERS, runsToKill } from '../../bench/search.js';
import { executeRun, resolveAll, type CampaignSpec, type Catalogue } from '../../sim/campaign.js';
import { runDetailed } from '../../sim/runner.js';
import { loadScenario, resolveScenarioPath } from '../../scenarios/index.js';
import { expectedDir, loadExpected } from '../../scenarios/expected.js';
import { knownAttackers } from '../../adversaries/index.js';
import * as catalogue from '../../adversaries/index.js';

const base = loadScenario(resolveScenarioPath('matrix', process.cwd()));
const mutant = 'pp-no-client-nonce';
const expected = loadExpected(join(expectedDir(), 'pp.yaml'), knownAttackers()).expected['replay'] ?? {};
const expect_ = Object.fromEntries(Object.entries(expected).filter((e): e is [string, 'holds' | 'violated'] => e[1] !== undefined));
const cs: CampaignSpec = { spec: { ...base, name: `${base.name}-${mutant}`, profile: mutant }, attackers: ['replay'], expect: expect_, seed: 1, runs: 12, shrinkRuns: 0 };
const adversaries = resolveAll(catalogue as Catalogue, cs.attackers);

describe('runs to kill count caused kills only', () => {
  it('a failing run whose world breaks the invariant without the adversary is no kill; a shrunk one that needs it is', () => {
    expect(KILLERS[mutant]).toBe('replay');
    // Campaign seed 1, run 1: world seed 21, which breaks freshness with no adversary at all.
    const { line } = executeRun(cs, adversaries, 1);
    expect(line.seed).toBe(21);
    expect(line.ok).toBe(false);
    expect(line.unexpected).toContain('freshness');
    expect(runDetailed(cs.spec, { seed: 21, adversaries: [], keepTrace: false }).result.verdicts['freshness']!.holds).toBe(false);
    expect(causedKill(cs, line)).toBe(false);
    // The counterexample that run shrinks to (world seed 18, one replay): without the replay, freshness holds.
    const plan = [{ link: 'client-relay', nth: 8, op: 'replay', arg: 712542 }];
    const active = runDetailed(cs.spec, { seed: 18, adversaries: [{ adversary: adversaries[0]!, plan }], keepTrace: false }).result;
    expect(active.verdicts['freshness']!.holds).toBe(false);
    expect(causedKill(cs, { ok: false, seed: 18, unexpected: ['freshness'] })).toBe(true);
    // A passing run is never a kill.
    expect(causedKill(cs, { ok: true, seed: 18, unexpected: [] })).toBe(false);
  });

  it('the random search goes on past the uncaused failure of run 1 to the first caused kill', () => {
    const first = runsToKill(mutant, 'replay', 'random', 1, 12);
    expect(first).not.toBeNull();
    expect(first!).toBeGreaterThan(2);
    // That run is a failing one whose violation the passive re-run does not show.
    const { line } = executeRun(cs, adversaries, first! - 1);
    expect(line.ok).toBe(false);
    expect(causedKill(cs, line)).toBe(true);
    // Every run before it is a pass or an uncaused failure.
    for (let run = 0; run < first! - 1; run++) expect(causedKill(cs, executeRun(cs, adversaries, run).line)).toBe(false);
  });
});
