/**
 * `stateless` (PROTOCOL.md): after a request ends, nothing derived from it remains in the
 * enclave's state, storage or logs; its session keys are gone. The simulator walks the enclave's
 * whole state (every field, recursively) before each next request and at the end of the run and
 * records what it found of ended requests (`enclave-state` facts: field path and request).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const stateless: Invariant = {
  id: 'stateless',
  description: 'After a request ends, nothing derived from it remains in the enclave.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const s of world.enclaveSnapshots) {
      if (s.leftover.length > 0) {
        const fields = [...new Set(s.leftover.map((l) => `${l.field} (${l.requestId})`))].slice(0, 3).join(', ');
        proof.push({ event: s.event, why: `${s.node} still holds ${s.leftover.length} value(s) of ended requests after ${s.requestId}: ${fields}` });
      }
    }
    return verdict('stateless', proof, { snapshots: world.enclaveSnapshots.length });
  },
};
