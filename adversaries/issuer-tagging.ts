/**
 * 7. issuer-tagging (THREATS.md): the operator (issuer and, for privately verifiable tokens, the
 * redeemer) gives some accounts their own issuance key, so a token's key id names its user at
 * redemption. Defence: key consistency — the client's keys must be the ones the log publishes.
 */
import fc from 'fast-check';
import { generateIssuerKey } from '../protocol/tokens/type1-voprf.js';
import type { Adversary } from '../sim/adversary.js';

export interface TagPlan {
  /** Bit u set: user u gets a key of its own. */
  userMask: number;
}

export const issuerTagging: Adversary<TagPlan> = {
  name: 'issuer-tagging',
  description: 'issues tokens to some accounts under per-user keys to recognise them at redemption',
  positions: ['issuer', 'gateway'],
  marks: ['client.evidence-rejected.key-consistency'],
  plan: (spec) => fc.record({ userMask: fc.integer({ min: 1, max: (1 << Math.min(spec.world.users, 16)) - 1 }) }),
  install(powers, plan) {
    powers.issuerKeyFor((user, honest) => {
      const u = Number(/(\d+)$/.exec(user)?.[1] ?? -1);
      if (u < 0 || !((plan.userMask >> u) & 1)) return honest;
      powers.note(`issuer key of its own for ${user}`);
      return generateIssuerKey(powers.rng.fork(`tag-${user}`));
    });
  },
};
