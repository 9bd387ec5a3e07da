/**
 * `authorization` (PROTOCOL.md steps 2 and 7): the issuer issues an account at most its limit of
 * tokens per window of virtual time, and the gateway serves only requests carrying a token the
 * issuer issued, each token once. Facts: `world` (the limit: `issuanceTokens` per window of
 * `issuanceWindowMs`), `issuance` (the issuer evaluated n token requests for an account at a
 * time), `token-issued` (a finalized issuance, by the account it was issued to) and
 * `token-served` (the gateway forwarded a request with that token).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const authorization: Invariant = {
  id: 'authorization',
  description: 'The issuer keeps each account within its token limit per window; the gateway serves only requests carrying a token the issuer issued, each token once.',
  check(trace) {
    const world = viewFromTrace(trace);
    const issued = new Set(world.tokensIssued.map((t) => t.tokenId));
    const served = new Set<string>();
    const proof: ProofEvent[] = [];
    const limit = world.issuanceLimit;
    if (limit) {
      // Fixed windows [k·W, (k+1)·W): the issuance that takes an account past the limit is the proof.
      const perWindow = new Map<string, number>();
      for (const i of world.issuances) {
        const window = Math.floor(i.atMs / limit.windowMs);
        const key = `${i.account}\u0000${window}`;
        const before = perWindow.get(key) ?? 0;
        const after = before + i.count;
        perWindow.set(key, after);
        if (before <= limit.tokens && after > limit.tokens) proof.push({ event: i.event, why: `issuer issued ${i.account} ${after} tokens in window ${window} (${window * limit.windowMs}–${(window + 1) * limit.windowMs} ms), over its limit of ${limit.tokens}` });
      }
    }
    for (const t of world.tokens) {
      if (t.tokenId === 'none') proof.push({ event: t.event, why: `gateway served ${t.requestId} without a token` });
      else if (!issued.has(t.tokenId)) proof.push({ event: t.event, why: `gateway served ${t.requestId} with token ${t.tokenId.slice(0, 12)}… that the issuer never issued` });
      else if (served.has(t.tokenId)) proof.push({ event: t.event, why: `gateway served ${t.requestId} with token ${t.tokenId.slice(0, 12)}… already spent` });
      served.add(t.tokenId);
    }
    return verdict('authorization', proof, { served: world.tokens.length, issued: issued.size, issuances: world.issuances.length, ...(limit ? { limitTokens: limit.tokens, limitWindowMs: limit.windowMs } : {}) });
  },
};
