/**
 * 11. curious-host (THREATS.md): the operator controls the hosts around the enclaves: it restarts
 * nodes when it likes, delays and reorders the host's I/O, and looks for any state an enclave
 * leaves behind between requests (invariant `stateless` inspects the enclave after each one).
 * Defences: state erasure after every request, per-boot keys, explicit errors while booting.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { installNetPlan, netPlanArb, type NetAction } from './network-plan.js';

export interface HostPlan {
  restarts: { node: number; atMs: number }[];
  io: NetAction[];
}

export const curiousHost: Adversary<HostPlan> = {
  name: 'curious-host',
  description: 'restarts nodes at chosen times and delays or reorders host I/O, looking for leftover state',
  positions: ['gateway'],
  marks: ['enclave.erased'],
  plan: (spec) =>
    fc.record({
      restarts: fc.array(fc.record({ node: fc.nat({ max: spec.world.nodes - 1 }), atMs: fc.nat({ max: 20_000 }) }), { maxLength: 3 }),
      io: fc.array(netPlanArb(['gateway-node'], 4 * spec.world.requests + 4, ['delay', 'reorder'], 4), { maxLength: 1 }).map(
        (a) => a.flat(),
        // The inverse (so a replay file's plan can be checked against this arbitrary): at most one group.
        (v) => {
          if (!Array.isArray(v)) throw new Error('not a list of actions');
          return v.length === 0 ? [] : [v];
        },
      ),
    }),
  install(powers, plan) {
    for (const r of plan.restarts) powers.restartNode(r.node, r.atMs);
    installNetPlan(powers, plan.io);
  },
};
