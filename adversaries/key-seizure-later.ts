/**
 * 10. key-seizure-later (THREATS.md): after the run it seizes the long-term keys (the gateway's
 * OHTTP key, each node's key after restart) and the traffic it recorded on the operator's links.
 * What it learns is not declared: it holds the recorded messages and the seized keys, and its
 * knowledge is their closure (the observer opens every message with every key, model/facts.ts).
 * It still tries every key itself, to count what opens. Defence: per-boot enclave keys erased on
 * restart, so past inner ciphertexts stay closed (forward secrecy).
 */
import fc from 'fast-check';
import { decapsulateRequest } from '../protocol/ohttp.js';
import { decodeRequest } from '../protocol/bhttp.js';
import { openInnerRequest } from '../protocol/inner-session.js';
import type { Adversary } from '../sim/adversary.js';

export interface SeizePlan {
  /** Which recorded messages to try first (a permutation seed); all are tried. */
  order: number;
  /** Also try each node's key under every other node's id (key reuse across nodes). */
  crossNodes: boolean;
}

export const keySeizureLater: Adversary<SeizePlan> = {
  name: 'key-seizure-later',
  description: 'seizes long-term keys after the run and replays recorded traffic against them',
  positions: ['later'],
  marks: ['later.past-traffic-stays-closed'],
  plan: () => fc.record({ order: fc.nat({ max: 1000 }), crossNodes: fc.boolean() }),
  install() {},
  finish(powers, plan) {
    const { gateway, nodes, recorded } = powers.seized();
    const start = recorded.length ? plan.order % recorded.length : 0;
    let opened = 0;
    for (let j = 0; j < recorded.length; j++) {
      const r = recorded[(start + j) % recorded.length]!;
      let inner: Uint8Array;
      if (r.link === 'gateway-node') inner = r.bytes.subarray(1);
      else {
        try {
          inner = decodeRequest(decapsulateRequest(gateway, r.bytes).request).body;
        } catch {
          continue;
        }
      }
      for (const k of nodes) {
        for (const id of plan.crossNodes ? nodes.map((n) => n.name) : [k.name]) {
          try {
            openInnerRequest(k.key, id, inner);
            opened++;
          } catch {
            // Stays closed: the key that sealed it was erased at restart.
          }
        }
      }
    }
    powers.note(`replayed ${recorded.length} recorded messages against the seized keys: ${opened} inner requests opened`);
  },
};
