/**
 * Which symbolic worlds an exploration of a scenario searches: one per adversary that acts on the
 * profile, sized from the scenario (at most 3 nodes, 2 users, 2 requests by default). Shared by
 * `pph explore` and the explore section of `pph bench`, so both measure the same search.
 */
import { PROFILE_DEFS } from '../../model/profile.js';
import type { RunSpec } from '../spec.js';
import { SYMBOLIC_ADVERSARIES, type SymbolicAdversary, type WorldConfig } from './model.js';

/** The symbolic adversaries that apply to a profile (k-inflation acts on pcc only). */
export function adversariesFor(profile: string): SymbolicAdversary[] {
  const base = PROFILE_DEFS[profile]!.base;
  return SYMBOLIC_ADVERSARIES.filter((a) => a !== 'k-inflation' || base === 'pcc');
}

export function worldOf(spec: RunSpec, adversary: SymbolicAdversary, requests?: number, attacks = 2): WorldConfig {
  return { profile: spec.profile, adversary, nodes: Math.min(spec.world.nodes, 3), users: Math.min(spec.world.users, 2), requests: requests ?? Math.min(spec.world.requests, 2), maxAttacks: attacks };
}
