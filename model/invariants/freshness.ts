/**
 * `freshness` (PROTOCOL.md): a request, a token, an attestation bundle or a response is accepted
 * at most once; stale evidence and old checkpoints are refused.
 */
import { verdict, type Invariant, type ProofEvent } from './types.js';
import { viewFromTrace } from '../facts.js';

function duplicates<T>(items: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  const dup: T[] = [];
  for (const it of items) {
    const k = key(it);
    if (seen.has(k)) dup.push(it);
    else seen.add(k);
  }
  return dup;
}

export const freshness: Invariant = {
  id: 'freshness',
  description: 'A request, token, attestation bundle or response is accepted at most once; stale evidence is refused.',
  check(trace) {
    const world = viewFromTrace(trace);
    const proof: ProofEvent[] = [];
    for (const t of duplicates(world.tokens.filter((t) => t.tokenId !== 'none'), (t) => t.tokenId)) proof.push({ event: t.event, why: `token ${t.tokenId.slice(0, 12)}… accepted again (${t.requestId})` });
    for (const o of duplicates(world.enclaveOpened, (o) => o.ciphertext)) proof.push({ event: o.event, why: `request ${o.requestId} replayed: the same ciphertext opened again by ${o.node}` });
    for (const a of duplicates(world.answersAccepted, (a) => a.requestId)) proof.push({ event: a.event, why: `response to ${a.requestId} accepted twice` });
    // pp: evidence answers one client nonce, once. pcc: keys are pre-attested per epoch and shared
    // by every request of the epoch by design; there freshness is the epoch (checked as `fresh`).
    const preAttested = (world.diffusionCap ?? null) !== null;
    if (!preAttested) for (const e of duplicates(world.evidence, (e) => e.nonce)) proof.push({ event: e.event, why: `evidence for nonce ${e.nonce.slice(0, 12)}… accepted twice (${e.requestId})` });
    for (const e of world.evidence) {
      if (!e.fresh) proof.push({ event: e.event, why: `${e.user} accepted stale evidence of ${e.node} (not produced for its nonce ${e.nonce.slice(0, 12)}…) for ${e.requestId}` });
    }
    return verdict('freshness', proof, { tokens: world.tokens.length, evidence: world.evidence.length });
  },
};
