/**
 * A node running a logged but malicious image (THREATS.md "Expected outcomes"): the enclave of
 * node `i` is the adversary's (position `node:<i>`), so it reads everything that node decrypts.
 * Transparency makes it auditable, not prevented: `confidentiality` must show as violated on it.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';

export const maliciousImage: Adversary<{ node: number }> = {
  name: 'malicious-image',
  description: 'a node runs a logged but malicious image and reads what it decrypts',
  positions: ['node:0'],
  marks: [],
  plan: () => fc.record({ node: fc.constant(0) }),
  install(powers, plan) {
    powers.compromiseNode(plan.node);
  },
};
