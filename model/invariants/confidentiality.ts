/**
 * `confidentiality` (PROTOCOL.md): no party but the client and an attested, honest enclave ever
 * holds request or response plaintext. Knowledge, not labels: a violation is a request's canary
 * in some untrusted party's knowledge — every byte it received, holds or logged, closed over the
 * keys it holds (`holds-key`, `opens`: the gateway's OHTTP layer, an enclave key a side channel
 * extracted or a seizure took, a rogue node's own key; model/facts.ts), and what the `later` key
 * seizure opens. Where a request was sealed to is not evidence by itself: a request sealed to a
 * key nobody can use is lost, not leaked.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const confidentiality: Invariant = {
  id: 'confidentiality',
  description: 'No party but the client and an attested, honest enclave holds request or response plaintext.',
  check(trace) {
    const world = viewFromTrace(trace);
    const trusted = new Set(world.parties.filter((p) => p.trustedForContent).map((p) => p.name));
    const sent = new Set(world.requests.filter((r) => r.sentCount > 0).map((r) => r.requestId));
    const proof: ProofEvent[] = [];
    for (const h of world.held) {
      if (trusted.has(h.party)) continue;
      for (const id of h.req) if (sent.has(id)) proof.push({ event: h.event, why: h.source === 'opened' ? `${h.party} holds plaintext of ${id}: its key ${h.key} opens what it holds (event ${h.openedFrom})` : `${h.party} holds plaintext of ${id} (${h.source})` });
    }
    for (const o of world.forwardSecrecy.opened) {
      for (const id of o.req) if (sent.has(id)) proof.push({ event: o.event, why: `a later key seizure recovers plaintext of ${id}` });
    }
    return verdict('confidentiality', proof, { canaries: sent.size, scanned: world.held.length });
  },
};
