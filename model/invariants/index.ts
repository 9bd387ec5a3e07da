/** Every invariant of PROTOCOL.md, by id. A user's own invariant is one more `Invariant` object. */
import type { InvariantId } from '../invariant-ids.js';
import { attestation } from './attestation.js';
import { authorization } from './authorization.js';
import { confidentiality } from './confidentiality.js';
import { consent } from './consent.js';
import { forwardSecrecy } from './forward-secrecy.js';
import { freshness } from './freshness.js';
import { integrity } from './integrity.js';
import { liveness } from './liveness.js';
import { nonTargetability } from './non-targetability.js';
import { stateless } from './stateless.js';
import { transparency } from './transparency.js';
import type { Invariant } from './types.js';
import { unlinkability } from './unlinkability.js';

export type { Invariant, Verdict, ProofEvent, TraceEventView } from './types.js';

export const INVARIANTS: Record<InvariantId, Invariant> = {
  confidentiality,
  attestation,
  integrity,
  freshness,
  unlinkability,
  stateless,
  'forward-secrecy': forwardSecrecy,
  consent,
  'non-targetability': nonTargetability,
  transparency,
  liveness,
  authorization,
};
