/** `consent` (PROTOCOL.md): no message of an opted-out feature or excluded chat leaves the device. */
import { containsAscii, verdict, type Invariant, type ProofEvent } from './types.js';

export const consent: Invariant = {
  id: 'consent',
  description: 'No message of an opted-out feature or an excluded chat leaves the device.',
  check(_trace, world) {
    const proof: ProofEvent[] = [];
    for (const r of world.requests) {
      if (r.blocked && r.sentCount > 0) proof.push({ event: r.sealedTo[0]?.event ?? 0, why: `${r.requestId} (${r.blocked}) left the device` });
    }
    const clients = new Set(world.parties.filter((p) => p.role === 'client').map((p) => p.name));
    const outside = [...world.held.filter((h) => !clients.has(h.party)), ...world.enclavePlaintexts.map((p) => ({ party: p.node, bytes: p.bytes, event: p.event }))];
    const reported = new Set<string>();
    for (const b of world.blockedCanaries) {
      for (const h of outside) {
        const key = `${b.chatId}@${h.party}#${h.event}`;
        if (!reported.has(key) && containsAscii(h.bytes, b.canary)) {
          reported.add(key);
          proof.push({ event: h.event, why: `a message of ${b.chatId} reached ${h.party}` });
          break;
        }
      }
    }
    return verdict('consent', proof, { blockedRequests: world.requests.filter((r) => r.blocked).length });
  },
};
