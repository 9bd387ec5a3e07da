/**
 * What the adversary and campaign tests share: the catalogue (every adversary and condition, so a
 * new entry gets every law automatically), the small world of `pph matrix` and the profile each
 * adversary acts on.
 */
import { join } from 'node:path';
import { ADVERSARIES, CONDITIONS, knownAttackers } from '../../adversaries/index.js';
import { PROFILE_DEFS } from '../../model/profile.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import { expectedDir, loadExpected, type ExpectedOutcomes } from '../../scenarios/expected.js';
import type { Adversary } from '../../sim/adversary.js';
import type { CampaignSpec } from '../../sim/campaign.js';

/** Every adversary of the catalogue and every condition of THREATS.md "Expected outcomes". */
export const CATALOGUE: readonly Adversary<any>[] = [...ADVERSARIES, ...CONDITIONS];

/** scenarios/matrix.yaml: two users, three nodes, three requests (~0.3 s a run). */
export function matrixWorld(): Scenario {
  return loadScenario(resolveScenarioPath('matrix', process.cwd()));
}

/** The world an adversary acts in: the matrix world on its first required profile (default pp). */
export function worldFor(a: Adversary<any>, base: Scenario = matrixWorld()): Scenario {
  const profile = a.profiles?.[0] ?? base.profile;
  return profile === base.profile ? base : { ...base, name: `${base.name}-${profile}`, profile };
}

/** A copy of `scenario` on another profile (e.g. a mutant). */
export function onProfile(scenario: Scenario, profile: string): Scenario {
  return { ...scenario, name: `${scenario.name}-${profile}`, profile };
}

/** The base protocol of a profile (`pp`, `pcc`): its expected outcomes are scenarios/expected/<base>.yaml. */
export function baseOf(profile: string): string {
  const d = PROFILE_DEFS[profile];
  return d ? (d.family ?? d.base) : profile;
}

/** Expected outcomes (THREATS.md, as data) of the base protocol of `profile`. */
export function expectedFor(profile: string): ExpectedOutcomes {
  return loadExpected(join(expectedDir(), `${baseOf(profile)}.yaml`), knownAttackers());
}

/** A campaign's expectations for `attacker` on `profile` (absent invariants: holds). */
export function expectationsOf(profile: string, attacker: string): CampaignSpec['expect'] {
  return Object.fromEntries(Object.entries(expectedFor(profile).expected[attacker] ?? {}).filter((e): e is [string, 'holds' | 'violated'] => e[1] !== undefined));
}
