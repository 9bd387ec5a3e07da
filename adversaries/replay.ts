/**
 * 3. replay (THREATS.md): re-sends earlier requests, responses, tokens, evidence and checkpoints,
 * within and across sessions, from network positions on every link it can reach. Defences: token
 * spending, OHTTP response keys bound to the request, fresh evidence, the host's one-shot proof.
 */
import type { Adversary, LinkName } from '../sim/adversary.js';
import { installNetPlan, netPlanArb, type NetAction } from './network-plan.js';

const LINKS: LinkName[] = ['client-relay', 'relay-gateway', 'client-issuer', 'node-log'];

export const replay: Adversary<NetAction[]> = {
  name: 'replay',
  description: 're-sends earlier requests, responses, tokens, evidence and checkpoints on the links it taps',
  positions: LINKS.map((l) => `network:${l}` as const),
  marks: ['gateway.token-double-spend'],
  plan: (spec) => netPlanArb(LINKS, 2 * spec.world.requests + 2, ['replay', 'duplicate', 'replay', 'duplicate', 'delay', 'reorder'], 8),
  install: (powers, plan) => void installNetPlan(powers, plan),
};
