/**
 * `authorization` (PROTOCOL.md steps 2 and 7): the gateway serves only requests carrying a token
 * the issuer issued, and each token once. Facts: `token-issued` (a finalized issuance, by the
 * account it was issued to) and `token-served` (the gateway forwarded a request with that token).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const authorization: Invariant = {
  id: 'authorization',
  description: 'The gateway serves only requests carrying a token the issuer issued, each token once.',
  check(trace) {
    const world = viewFromTrace(trace);
    const issued = new Set(world.tokensIssued.map((t) => t.tokenId));
    const served = new Set<string>();
    const proof: ProofEvent[] = [];
    for (const t of world.tokens) {
      if (t.tokenId === 'none') proof.push({ event: t.event, why: `gateway served ${t.requestId} without a token` });
      else if (!issued.has(t.tokenId)) proof.push({ event: t.event, why: `gateway served ${t.requestId} with token ${t.tokenId.slice(0, 12)}… that the issuer never issued` });
      else if (served.has(t.tokenId)) proof.push({ event: t.event, why: `gateway served ${t.requestId} with token ${t.tokenId.slice(0, 12)}… already spent` });
      served.add(t.tokenId);
    }
    return verdict('authorization', proof, { served: world.tokens.length, issued: issued.size });
  },
};
