/**
 * `transparency` (PROTOCOL.md, docs/transparency.md): the client never accepts a measurement that
 * is not in a log view consistent with every view it has seen; a split view is detected; it never
 * accepts a checkpoint the true log had superseded for longer than the freshness bound (a frozen
 * or rolled-back log), nor one that fewer honest witnesses cosigned than the quorum requires.
 * A pure function of the trace's `evidence-accepted` facts (observer judgements, sim/evidence-check.ts).
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

export const transparency: Invariant = {
  id: 'transparency',
  description: 'The client never accepts a measurement outside a fresh log view consistent with every view it saw, cosigned by the witness quorum.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const e of world.evidence) {
      if (!e.measurementLogged) proof.push({ event: e.event, why: `${e.user} accepted measurement ${e.measurement.slice(0, 16)}… that is not in the log` });
      if (!e.viewConsistent) proof.push({ event: e.event, why: `${e.user} accepted a checkpoint of size ${e.checkpointSize} inconsistent with a view it had seen` });
      if (e.viewConsistent && e.checkpointStale) proof.push({ event: e.event, why: `${e.user} accepted a checkpoint of size ${e.checkpointSize} the log had superseded ${e.staleForMs} ms before (stale: frozen or rolled-back log)` });
      if (e.honestCosigners !== null && e.honestCosigners < e.quorumRequired) proof.push({ event: e.event, why: `${e.user} accepted a checkpoint of size ${e.checkpointSize} cosigned by ${e.honestCosigners} honest witnesses, fewer than the quorum ${e.quorumRequired}` });
    }
    return verdict('transparency', proof, { accepted: world.evidence.length, views: world.logViews.length, consistencyProofs: world.logConsistency.length });
  },
};
