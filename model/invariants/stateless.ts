/**
 * `stateless` (PROTOCOL.md): after a request ends, nothing derived from it remains in the
 * enclave's state, storage or logs; its session keys are gone.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';

export const stateless: Invariant = {
  id: 'stateless',
  description: 'After a request ends, nothing derived from it remains in the enclave.',
  check(_trace, world) {
    const proof: ProofEvent[] = [];
    for (const s of world.enclaveSnapshots) {
      if (s.leftover.length > 0) proof.push({ event: s.event, why: `${s.node} still holds ${s.leftover.length} value(s) of ended requests after ${s.requestId}` });
    }
    return verdict('stateless', proof, { snapshots: world.enclaveSnapshots.length });
  },
};
