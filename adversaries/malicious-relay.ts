/**
 * 1. malicious-relay (THREATS.md): holds both relay links; tampers, drops, replays, reorders and
 * injects, logs everything it forwards, tries to learn content and to make a client accept a
 * wrong answer. Defences it must reach: OHTTP decapsulation at the gateway, token spending, the
 * client's checks on the response.
 */
import type { Adversary } from '../sim/adversary.js';
import { installNetPlan, netPlanArb, type NetAction } from './network-plan.js';

export const maliciousRelay: Adversary<NetAction[]> = {
  name: 'malicious-relay',
  description: 'tampers with, drops, replays, reorders and injects messages on both relay links',
  positions: ['relay'],
  marks: ['gateway.decap-failed', 'gateway.token-double-spend', 'client.response-rejected'],
  plan: (spec) => netPlanArb(['client-relay', 'relay-gateway'], 4 * spec.world.requests + 4),
  install: (powers, plan) => void installNetPlan(powers, plan),
};
