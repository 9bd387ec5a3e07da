/**
 * `forward-secrecy` (PROTOCOL.md): keys seized after the fact (gateway, log, vendor, a node after
 * restart) reveal no past content. The simulator really tries: it opens the recorded traffic with
 * every seized key; the observer records what opened and the canaries in it (`seized-open` facts).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const forwardSecrecy: Invariant = {
  id: 'forward-secrecy',
  description: 'Keys seized after the fact reveal no past content.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const o of world.forwardSecrecy.opened) {
      for (const id of o.req) proof.push({ event: o.event, why: `seized ${o.what} opens recorded traffic of ${id}` });
    }
    return verdict('forward-secrecy', proof, { seized: world.forwardSecrecy.seized, attempts: world.forwardSecrecy.attempts, opened: world.forwardSecrecy.opened.length });
  },
};
