/**
 * 2. forged-quote (THREATS.md): the operator serves evidence that must be refused: its own chain,
 * a swapped certificate, a debug policy or a claimed TCB from its unpatched chip, a key
 * substituted in a genuine bundle, an old nonce (replayed evidence), another session's genuine
 * report (diversion), truncated or malformed bytes, single-bit flips of the signed region, an
 * image not in the log. Real bytes, checked by the client's real verifier.
 */
import fc from 'fast-check';
import type { Adversary } from '../sim/adversary.js';
import { FORGERIES, Forger, type Forgery } from './forge.js';

export interface ForgePlan {
  /** The i-th attest reply the gateway relays gets forgeries[i] (null: relayed unchanged). */
  forgeries: ({ kind: Forgery; arg: number } | null)[];
  /** After relaying the i-th attest reply, the operator restarts that node (retiring the key it saw). */
  restartAfter: number[];
}

export const forgedQuote: Adversary<ForgePlan> = {
  name: 'forged-quote',
  description: 'serves forged, replayed, diverted, truncated or bit-flipped attestation evidence',
  positions: ['gateway'],
  marks: ['client.evidence-rejected'],
  plan: (spec) =>
    fc.record({
      restartAfter: fc.uniqueArray(fc.nat({ max: spec.world.requests + 1 }), { maxLength: 2 }),
      forgeries: fc.array(fc.option(fc.record({ kind: fc.constantFrom(...FORGERIES), arg: fc.nat({ max: 1 << 16 }) }), { nil: null, freq: 4 }), { minLength: 1, maxLength: spec.world.requests + 2 }),
    }),
  install(powers, plan) {
    const forger = new Forger(powers);

    let n = 0;
    powers.onNodeReply((reply) => {
      if (reply.route !== 'attest') return reply.bytes;
      const i = n++;
      const f = plan.forgeries[i] ?? null;
      if (plan.restartAfter.includes(i) && reply.node >= 0) powers.restartNode(reply.node, powers.now() + 1);
      if (f) return forger.forge(f.kind, reply, f.arg);
      forger.observe(reply.bytes);
      return reply.bytes;
    });
  },
};
