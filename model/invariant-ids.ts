/** The invariant ids of PROTOCOL.md "Properties that must hold"; used by scenarios, reports and tests. */
export const INVARIANT_IDS = [
  'confidentiality',
  'attestation',
  'integrity',
  'freshness',
  'unlinkability',
  'stateless',
  'forward-secrecy',
  'consent',
  'non-targetability',
  'transparency',
  'liveness',
  'authorization',
] as const;

export type InvariantId = (typeof INVARIANT_IDS)[number];

export function isInvariantId(s: string): s is InvariantId {
  return (INVARIANT_IDS as readonly string[]).includes(s);
}
