/**
 * The adversary catalogue of THREATS.md, and the coalitions of its "Expected outcomes". A
 * coalition is a list of adversaries installed together in one run.
 */
import type { Adversary } from '../sim/adversary.js';
import { maliciousRelay } from './malicious-relay.js';
import { forgedQuote } from './forged-quote.js';
import { replay } from './replay.js';
import { metadataCorrelation } from './metadata-correlation.js';
import { maliciousGateway } from './malicious-gateway.js';
import { splitViewLog } from './split-view-log.js';
import { issuerTagging } from './issuer-tagging.js';
import { targeting } from './targeting.js';
import { targetingOperator } from './targeting-operator.js';
import { vendorKeyLeak } from './vendor-key-leak.js';
import { keySeizureLater } from './key-seizure-later.js';
import { curiousHost } from './curious-host.js';
import { unmeasuredInput } from './unmeasured-input.js';
import { kInflation } from './k-inflation.js';
import { maliciousImage } from './malicious-image.js';
import { revokedChipKey } from './revoked-chip-key.js';
import { maliciousClient } from './malicious-client.js';
import { gpuEvidence } from './gpu-evidence.js';
import { nodeKeyCompromise } from './node-key-compromise.js';
import { attestationRelay } from './attestation-relay.js';
import { staleLog } from './stale-log.js';

/** The 13 adversaries of the catalogue, in THREATS.md order (k-inflation acts on profile `pcc`), then revoked-chip-key (issue 14: a chip key the vendor revoked). */
export const ADVERSARIES: readonly Adversary<any>[] = [
  maliciousRelay,
  forgedQuote,
  replay,
  metadataCorrelation,
  maliciousGateway,
  splitViewLog,
  issuerTagging,
  targeting,
  vendorKeyLeak,
  keySeizureLater,
  curiousHost,
  unmeasuredInput,
  kInflation,
  revokedChipKey,
  maliciousClient,
  // Issue 15: acts on profile pp-gpu (nodes are a CVM plus a confidential GPU).
  gpuEvidence,
  // Issue 13 item 6: targeting from the operator's side (per-user issuance keys, selective drops).
  targetingOperator,
  // Issue 15 §4: acts on the ra-tls family (the attested channel is an RA-TLS session).
  attestationRelay,
  // Issue 13: the log position on a growing log: a frozen or rolled-back view (docs/transparency.md).
  staleLog,
];

/** Conditions of THREATS.md "Expected outcomes" that are not one catalogue entry. */
export const CONDITIONS: readonly Adversary<any>[] = [maliciousImage, nodeKeyCompromise];

/** Coalitions of THREATS.md "Expected outcomes": name → members. */
export const COALITIONS: Readonly<Record<string, readonly string[]>> = {
  'relay+gateway': ['malicious-relay', 'malicious-gateway', 'metadata-correlation'],
};

const BY_NAME = new Map<string, Adversary<any>>([...ADVERSARIES, ...CONDITIONS].map((a) => [a.name, a]));

export const ADVERSARY_NAMES: readonly string[] = ADVERSARIES.map((a) => a.name);

/** Every name `pph campaign`/`pph matrix` accept: adversaries, conditions and coalitions. */
export function knownAttackers(): string[] {
  return [...ADVERSARY_NAMES, ...CONDITIONS.map((c) => c.name), ...Object.keys(COALITIONS)];
}

/** The adversaries a name stands for (one, or a coalition's members); null when unknown. */
export function resolveAttacker(name: string): Adversary<any>[] | null {
  const members = COALITIONS[name];
  if (members) return members.map((m) => BY_NAME.get(m)!);
  const a = BY_NAME.get(name);
  return a ? [a] : null;
}

export { maliciousRelay, forgedQuote, replay, metadataCorrelation, maliciousGateway, splitViewLog, issuerTagging, targeting, targetingOperator, vendorKeyLeak, keySeizureLater, curiousHost, unmeasuredInput, kInflation, maliciousImage, nodeKeyCompromise, maliciousClient, gpuEvidence, attestationRelay, staleLog };

export { runAttacked, type AttackedOptions } from './run.js';
