/**
 * `liveness` (PROTOCOL.md): with benign faults (loss, delay, restarts) every request ends in a
 * response or an explicit error; none is lost silently.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const liveness: Invariant = {
  id: 'liveness',
  description: 'Every request ends in a response or an explicit error; none is lost silently.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    const last = trace.length ? trace[trace.length - 1]!.i : 0;
    let ok = 0;
    let errors = 0;
    for (const r of world.requests) {
      if (r.blocked) continue;
      if (r.outcome === null) proof.push({ event: last, why: `${r.requestId} never ended (no response, no error)` });
      else if (r.outcome === 'ok') ok++;
      else errors++;
    }
    return verdict('liveness', proof, { ok, errors });
  },
};
