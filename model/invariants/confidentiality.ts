/**
 * `confidentiality` (PROTOCOL.md): no party but the client and an attested, honest enclave ever
 * holds request or response plaintext — not in bytes it received, its state, its logs. Every
 * request plaintext carries a random canary; we scan everything every other party held.
 */
import { containsAscii, verdict, type Invariant, type ProofEvent } from './types.js';

export const confidentiality: Invariant = {
  id: 'confidentiality',
  description: 'No party but the client and an attested, honest enclave holds request or response plaintext.',
  check(_trace, world) {
    const trusted = new Set(world.parties.filter((p) => p.trustedForContent).map((p) => p.name));
    const canaries = world.requests.filter((r) => r.sentCount > 0).map((r) => ({ id: r.requestId, canary: r.canary }));
    const proof: ProofEvent[] = [];
    for (const h of world.held) {
      if (trusted.has(h.party)) continue;
      for (const c of canaries) {
        if (containsAscii(h.bytes, c.canary)) proof.push({ event: h.event, why: `${h.party} holds plaintext of ${c.id} (${h.source})` });
      }
    }
    for (const o of world.forwardSecrecy.opened) {
      for (const c of canaries) if (containsAscii(o.bytes, c.canary)) proof.push({ event: o.event, why: `a later key seizure recovers plaintext of ${c.id}` });
    }
    for (const r of world.requests) {
      for (const s of r.sealedTo) if (!s.keyHonest) proof.push({ event: s.event, why: `${r.requestId} was sealed to a key of ${s.node} that no honest enclave holds` });
    }
    return verdict('confidentiality', proof, { canaries: canaries.length, scanned: world.held.length });
  },
};
