/**
 * The contract of an invariant (ARCHITECTURE.md): `check(trace) → Verdict`, a pure function of the
 * trace. Ground truth is in the trace's fact events (model/facts.ts); `viewFromTrace` rebuilds it.
 */
import type { InvariantId } from '../invariant-ids.js';
import { viewFromTrace } from '../facts.js';

/** A trace event as invariants see it (the simulator's TraceEvent is structurally this). */
export interface TraceEventView {
  i: number;
  t: number;
  kind: string;
  party: string;
  what: string;
  data?: Record<string, unknown>;
}

export interface ProofEvent {
  /** The trace event index that shows the violation. */
  event: number;
  why: string;
}

export interface Verdict {
  id: InvariantId;
  holds: boolean;
  /** Events proving a violation (empty when it holds). */
  proof: ProofEvent[];
  /** Measured quantities behind the verdict (e.g. the coalition matrix of `unlinkability`). */
  measures?: Record<string, unknown>;
}

export interface Invariant {
  id: InvariantId;
  /** The property, as in PROTOCOL.md. */
  description: string;
  /** Reads only the trace (its fact events and, for liveness, its last event). */
  check(trace: readonly TraceEventView[]): Verdict;
}

const MAX_PROOF_EVENTS = 8;

/** A verdict from a list of proof events (holds when empty), keeping the first few. */
export function verdict(id: InvariantId, proof: ProofEvent[], measures?: Record<string, unknown>): Verdict {
  const v: Verdict = { id, holds: proof.length === 0, proof: proof.slice(0, MAX_PROOF_EVENTS) };
  if (measures) v.measures = { ...measures, violations: proof.length };
  else if (proof.length > MAX_PROOF_EVENTS) v.measures = { violations: proof.length };
  return v;
}

/** Whether `needle` (ASCII) occurs in `hay`. */
export function containsAscii(hay: Uint8Array, needle: string): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle, 0, 'latin1') !== -1;
}
