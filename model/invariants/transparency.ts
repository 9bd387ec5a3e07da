/**
 * `transparency` (PROTOCOL.md): the client never accepts a measurement that is not in a log view
 * consistent with every view it has seen; a split view is detected.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const transparency: Invariant = {
  id: 'transparency',
  description: 'The client never accepts a measurement outside a log view consistent with every view it saw.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const e of world.evidence) {
      if (!e.measurementLogged) proof.push({ event: e.event, why: `${e.user} accepted measurement ${e.measurement.slice(0, 16)}… that is not in the log` });
      if (!e.viewConsistent) proof.push({ event: e.event, why: `${e.user} accepted a checkpoint of size ${e.checkpointSize} inconsistent with a view it had seen` });
    }
    return verdict('transparency', proof, { accepted: world.evidence.length, views: world.logViews.length });
  },
};
