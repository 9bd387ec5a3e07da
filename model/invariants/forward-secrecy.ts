/**
 * `forward-secrecy` (PROTOCOL.md): keys seized after the fact (gateway, log, vendor, a node after
 * restart) reveal no past content. The simulator really tries: it opens the recorded traffic with
 * every seized key and reports what came out; any canary found is a violation.
 */
import { containsAscii, verdict, type Invariant, type ProofEvent } from './types.js';

export const forwardSecrecy: Invariant = {
  id: 'forward-secrecy',
  description: 'Keys seized after the fact reveal no past content.',
  check(_trace, world) {
    const proof: ProofEvent[] = [];
    const canaries = world.requests.map((r) => ({ id: r.requestId, canary: r.canary }));
    for (const o of world.forwardSecrecy.opened) {
      for (const c of canaries) {
        if (containsAscii(o.bytes, c.canary)) proof.push({ event: o.event, why: `seized ${o.what} opens recorded traffic of ${c.id}` });
      }
    }
    return verdict('forward-secrecy', proof, { seized: world.forwardSecrecy.seized, attempts: world.forwardSecrecy.attempts, opened: world.forwardSecrecy.opened.length });
  },
};
