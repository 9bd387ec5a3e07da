/**
 * What the adversary and campaign tests share: the catalogue (every adversary and condition, so a
 * new entry gets every law automatically), the small world of `pph matrix` and the profile each
 * adversary acts on.
 */
import { ADVERSARIES, CONDITIONS } from '../../adversaries/index.js';
import { loadScenario, resolveScenarioPath, type Scenario } from '../../scenarios/index.js';
import type { Adversary } from '../../sim/adversary.js';

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
