/**
 * `attestation` (PROTOCOL.md): the client releases a request only to a key bound in evidence that
 * passed every check of step 4. Ground truth decides: the key must be an honest enclave's current
 * key, running a logged measurement.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const attestation: Invariant = {
  id: 'attestation',
  description: 'The client releases a request only to a key bound in evidence that passed every check of step 4.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const e of world.evidence) {
      if (!e.keyHonest) proof.push({ event: e.event, why: `${e.user} accepted evidence for ${e.node} whose key no honest enclave holds (${e.requestId})` });
      else if (!e.measurementLogged) proof.push({ event: e.event, why: `${e.user} accepted evidence of ${e.node} with unlogged measurement ${e.measurement.slice(0, 16)}… (${e.requestId})` });
    }
    for (const r of world.requests) {
      for (const s of r.sealedTo) {
        if (!s.keyHonest) proof.push({ event: s.event, why: `${r.requestId} released to a key of ${s.node} that is not an attested honest enclave key` });
      }
    }
    return verdict('attestation', proof, { accepted: world.evidence.length });
  },
};
