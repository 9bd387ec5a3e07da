/**
 * 8. targeting (THREATS.md): an adversary that controls f of N nodes (here: node 0, f = 1) tries to
 * steer one chosen user's requests to them. It sits on that user's access link (it sees the
 * user's address) and drops, delays or reorders the user's attest traffic, hoping retries land on
 * its node. Defence: the client picks the node at random per attempt, inside OHTTP: the link cannot
 * see the choice, so its drops are independent of it. Its choice is a fact of the trace (`target`:
 * the user, and the node of its `node:0` position), judged by the campaign's pooled
 * non-targetability test; it does not read what the node decrypts. The operator's way of steering
 * is adversaries/targeting-operator.ts.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { installNetPlan, netPlanArb, type NetAction } from './network-plan.js';

export interface TargetPlan {
  user: number;
  actions: NetAction[];
}

export const targeting: Adversary<TargetPlan> = {
  name: 'targeting',
  description: "drops and delays one chosen user's traffic so that retries land on the nodes it controls",
  positions: ['network:client-relay', 'node:0'],
  marks: ['client.attest-retry'],
  plan: (spec) =>
    fc.record({
      user: fc.nat({ max: spec.world.users - 1 }),
      actions: netPlanArb(['client-relay'], 2 * spec.world.requests + 2, ['drop', 'delay', 'reorder'], 8),
    }),
  install(powers, plan) {
    const target = `client-${plan.user}`;
    powers.declareTarget(target);
    installNetPlan(powers, plan.actions, (m) => m.from === target || m.to === target);
  },
};
