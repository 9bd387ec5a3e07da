/** `integrity` (PROTOCOL.md): the client accepts only the response to its own request, unmodified. */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const integrity: Invariant = {
  id: 'integrity',
  description: 'The client accepts only the response to its own request, unmodified.',
  check(trace) {
    const world = viewFromTrace(trace);
    const byId = new Map(world.requests.map((r) => [r.requestId, r]));
    const proof: ProofEvent[] = [];
    for (const a of world.answersAccepted) {
      const r = byId.get(a.requestId);
      if (!r || !r.producedAnswers.includes(a.answer)) {
        proof.push({ event: a.event, why: `${a.requestId}: the client accepted an answer no enclave produced for this request` });
      }
    }
    return verdict('integrity', proof, { accepted: world.answersAccepted.length });
  },
};
