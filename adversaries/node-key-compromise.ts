/**
 * node-key-compromise (issue 13, docs/threats.md): a node's enclave key compromised while in use.
 * A side channel on node 0's enclave (position `node-key:0`) extracts its live HPKE secret key
 * (skE of the current boot; in pcc, of the current epoch) at the times its plan draws, and the
 * adversary sits on the gateway→node link (`network:gateway-node`) and keeps every message it sees
 * there. It declares nothing it learned: the observer opens what it kept with the keys it
 * extracted (model/facts.ts, closure over keys).
 *
 * Expected outcome: outside the trust model (an enclave whose key leaks is not an honest enclave),
 * so `confidentiality` is violated, and exactly for the requests sealed to the extracted key: in
 * pp, every request sealed to node 0 in that boot, also those sealed before the extraction (the
 * key lives the whole boot); in pcc, every request whose candidate set includes node 0's key of
 * the extracted epoch (the k cap bounds the spread, not the compromise). What still holds:
 * requests sealed to other nodes, to node 0's keys of earlier boots or epochs (erased: forward
 * secrecy before the compromise) and of later epochs it did not extract; attestation, integrity,
 * unlinkability (the inner request names no user) and non-targetability (it routes nothing).
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';

export interface NodeKeyPlan {
  node: number;
  /** Virtual times of the extractions (each reads the key in use then). */
  extractAtMs: number[];
}

export const nodeKeyCompromise: Adversary<NodeKeyPlan> = {
  name: 'node-key-compromise',
  description: "extracts node 0's live enclave key by a side channel and reads what is sealed to it on the gateway-node link",
  positions: ['network:gateway-node', 'node-key:0'],
  marks: [],
  plan: () => fc.record({ node: fc.constant(0), extractAtMs: fc.uniqueArray(fc.integer({ min: 100, max: 6_000 }), { minLength: 1, maxLength: 2 }) }),
  install(powers, plan) {
    powers.tap('gateway-node', (m) => {
      powers.keep(m);
      return [];
    });
    for (const t of plan.extractAtMs) powers.at(t, `side channel on node-${plan.node}`, () => void powers.extractNodeKey(plan.node));
  },
};
