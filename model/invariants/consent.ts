/**
 * `consent` (PROTOCOL.md): no message of an opted-out feature or excluded chat leaves the device.
 * Knowledge: a message canary of a blocked chat in anything a party other than its user's client
 * received, holds or logged (an enclave's opened plaintext included).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const consent: Invariant = {
  id: 'consent',
  description: 'No message of an opted-out feature or an excluded chat leaves the device.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const r of world.requests) {
      if (r.blocked && r.sentCount > 0) proof.push({ event: r.sealedTo[0]?.event ?? 0, why: `${r.requestId} (${r.blocked}) left the device` });
    }
    const clients = new Set(world.parties.filter((p) => p.role === 'client').map((p) => p.name));
    const blocked = new Set(world.blockedChats);
    const reported = new Set<string>();
    for (const h of world.held) {
      if (clients.has(h.party)) continue;
      for (const chat of h.chat) {
        const key = `${chat}@${h.party}#${h.event}`;
        if (blocked.has(chat) && !reported.has(key)) {
          reported.add(key);
          proof.push({ event: h.event, why: `a message of ${chat} reached ${h.party}` });
        }
      }
    }
    return verdict('consent', proof, { blockedRequests: world.requests.filter((r) => r.blocked).length });
  },
};
