/**
 * Profiles and ablations. A profile is the protocol variant (`pp` baseline of PROTOCOL.md, `pcc`
 * later); an ablation switches exactly one defence off, so that its mutant can be killed.
 */

/** Every defence that can be switched off one at a time (PROTOCOL.md "Variants", THREATS.md "Mutations"). */
export const ABLATIONS = {
  'client-nonce': 'REPORT_DATA binds pkE only, not the client nonce (step 4)',
  'chain-check': 'client does not check the certificate chain to the pinned vendor root (step 4)',
  'report-signature': 'client does not check the report signature (step 4)',
  'policy-check': 'client does not check debug/migration policy bits (step 4)',
  'tcb-check': 'client does not check the TCB against the minimum (step 4)',
  'tcb-from-report': 'client takes the TCB from REPORTED_TCB instead of the chip certificate (step 4)',
  'measurement-log': 'client does not require the measurement in the log by inclusion proof (step 4)',
  'witness-cosignatures': 'client does not require k witness cosignatures on the checkpoint (step 4)',
  'log-consistency': 'client does not check consistency with the last checkpoint it saw (step 4)',
  'report-binding': 'client does not check REPORT_DATA against pkE and its nonce (step 4)',
  'key-consistency': 'client does not check that its OHTTP and token keys are the ones every client gets (step 3)',
  'token-spend': 'gateway does not record spent tokens (step 7)',
  'rate-limit': 'issuer does not enforce its per-account limit of tokens per window (step 2)',
  'padding': 'client does not pad requests to a size bucket (step 5)',
  'response-binding': 'client does not check that the answer names its own request id (step 9; the answer key stays exported from the request\'s HPKE context)',
  'state-erasure': 'enclave does not erase request state after responding (step 8)',
  'relay': 'client talks to the gateway directly, without the relay (step 6)',
  'measured-config': 'client does not check HOST_DATA (the launch configuration the measurement does not cover) against the released configuration (step 4)',
  'k-cap': 'client (pcc) seals its request key to every node offered, not to at most k of them',
  'gpu-binding': 'client (pp-gpu) checks the GPU evidence (chain, signature, CC mode) but not that its nonce derives from this CVM session and that it is the GPU the CVM committed to',
  'session-binding': 'client (ra-tls) checks that REPORT_DATA binds the certificate key but not that the binding it carries is this TLS session\'s nonce (verifyRaTlsSession mode key-only)',
} as const;

export type Ablation = keyof typeof ABLATIONS;
export const ABLATION_NAMES = Object.keys(ABLATIONS) as Ablation[];

export function isAblation(s: string): s is Ablation {
  return Object.prototype.hasOwnProperty.call(ABLATIONS, s);
}

/** The defences in force: every switch true unless ablated. */
export type Defences = Record<Ablation, boolean>;

export function defencesFor(ablations: readonly Ablation[]): Defences {
  const d = Object.fromEntries(ABLATION_NAMES.map((a) => [a, true])) as Defences;
  for (const a of ablations) d[a] = false;
  return d;
}

/** A named profile: a base protocol and the defences it switches off (a mutant when any). */
export interface ProfileDef {
  base: 'pp' | 'pcc';
  ablations: readonly Ablation[];
  /** The published finding this mutant reproduces (THREATS.md "Real findings"), if any. */
  finding?: string;
  /** The node's evidence (docs/profiles.md); default `sev-snp`. */
  evidence?: EvidenceKind;
  /** The expectations file `scenarios/expected/<family>.yaml` and the adversaries' `profiles`; default `base`. */
  family?: string;
}

/** What a node proves itself with: an SEV-SNP report, an Intel TDX quote (DCAP), an SEV-SNP CVM plus a confidential GPU, an RA-TLS certificate carrying an SEV-SNP report. */
export type EvidenceKind = 'sev-snp' | 'tdx' | 'cvm-gpu' | 'ra-tls';

/**
 * Profiles on other evidence (issue 15, docs/profiles.md): `pp` with TDX quotes from a simulated
 * Intel verified with DCAP collateral, and `pp` whose nodes are a CVM plus a confidential GPU.
 */
export const EVIDENCE_PROFILES = {
  'pp-tdx': { base: 'pp', ablations: [], evidence: 'tdx', family: 'pp-tdx' },
  'pp-tdx-status-ignored': { base: 'pp', ablations: ['tcb-check'], evidence: 'tdx', family: 'pp-tdx', finding: 'TDX TCB status not enforced: a quote from an OutOfDate platform is accepted' },
  'pp-gpu': { base: 'pp', ablations: [], evidence: 'cvm-gpu', family: 'pp-gpu' },
  'pp-gpu-unbound': { base: 'pp', ablations: ['gpu-binding'], evidence: 'cvm-gpu', family: 'pp-gpu', finding: 'GPU evidence not bound to the CVM session: evidence of another GPU or session passes for a GPU outside confidential mode' },
  // RA-TLS (docs/ra-tls.md): the attested channel is a TLS 1.3 session whose server certificate carries the SEV-SNP report.
  'ra-tls': { base: 'pp', ablations: [], evidence: 'ra-tls', family: 'ra-tls' },
  'ra-tls-key-only': { base: 'pp', ablations: ['session-binding'], evidence: 'ra-tls', family: 'ra-tls', finding: 'RA-TLS evidence checked against the certificate key only: a genuine certificate made for another session (and its key) is accepted, so whoever holds one relays it' },
  'ra-tls-no-client-nonce': { base: 'pp', ablations: ['client-nonce'], evidence: 'ra-tls', family: 'ra-tls', finding: 'RA-TLS certificate evidence not bound to a client nonce (static per-enclave evidence): a certificate and key extracted from one enclave instance impersonate the service' },
} as const satisfies Record<string, ProfileDef>;

/** The evidence a profile's nodes produce and its clients check. */
export function evidenceOf(profile: string): EvidenceKind {
  return PROFILE_DEFS[profile]?.evidence ?? 'sev-snp';
}

/** The expectations family of a profile (scenarios/expected/<family>.yaml). */
export function familyOf(profile: string): string {
  const d = PROFILE_DEFS[profile];
  return d?.family ?? d?.base ?? 'pp';
}

/** Every expectations file the matrix loads. */
export const FAMILIES: readonly string[] = ['pp', 'pcc', ...new Set(Object.values(EVIDENCE_PROFILES).map((d) => d.family))];

/** The real findings of THREATS.md, each the defence that fixes it switched off. */
export const FINDING_PROFILES = {
  'pp-no-client-nonce': { base: 'pp', ablations: ['client-nonce'], finding: 'attestation not bound to a fresh client nonce: captured evidence and keys replayable' },
  'pp-tcb-from-report': { base: 'pp', ablations: ['tcb-from-report'], finding: "firmware/TCB level taken from the report's own claim instead of the chip certificate" },
  'pp-unmeasured-config': { base: 'pp', ablations: ['measured-config'], finding: 'configuration/environment loaded after measurement' },
  'pp-weak-binder': { base: 'pp', ablations: ['report-binding'], finding: 'evidence bound to a key or transcript another session can reuse (no binder)' },
  'pp-no-key-consistency': { base: 'pp', ablations: ['key-consistency'], finding: 'per-client OHTTP or token keys deanonymise users' },
  'pp-no-log-consistency': { base: 'pp', ablations: ['log-consistency', 'witness-cosignatures'], finding: 'log equivocation: client skips consistency proof / witness cosignatures' },
  'pp-no-spent-record': { base: 'pp', ablations: ['token-spend'], finding: 'token double-spend' },
  'pp-no-k-cap': { base: 'pcc', ablations: ['k-cap'], finding: 'more nodes than the cap can decrypt a request (client does not cap k; profile pcc)' },
} as const satisfies Record<string, ProfileDef>;

/** One mutant per defence switch (THREATS.md "Mutations"): `pp-off-<ablation>`. */
export const MUTATION_PROFILES: Record<string, ProfileDef> = Object.fromEntries(
  (Object.keys(ABLATIONS) as Ablation[]).filter((a) => a !== 'k-cap' && a !== 'gpu-binding' && a !== 'session-binding').map((a) => [`pp-off-${a}`, { base: 'pp', ablations: [a] }]),
);

/**
 * `pcc` (PROTOCOL.md "Variants"): nodes publish pre-attested keys per epoch; the client seals one
 * request key to at most {@link DIFFUSION_CAP} randomly chosen nodes (target diffusion); one round
 * trip per request after the candidate fetch; freshness by key epochs and an enclave replay cache.
 */
export const PROFILE_DEFS: Record<string, ProfileDef> = { pp: { base: 'pp', ablations: [] }, pcc: { base: 'pcc', ablations: [] }, ...FINDING_PROFILES, ...MUTATION_PROFILES, ...EVIDENCE_PROFILES };

/** `pcc`: the most nodes one request key is sealed to. */
export const DIFFUSION_CAP = 2;
/** `pcc`: the length of a key epoch (virtual ms); nodes rotate keys and re-attest at each boundary. */
export const EPOCH_MS = 4_000;
export const PROFILES = Object.keys(PROFILE_DEFS) as [string, ...string[]];
export type ProfileName = string;

export function isProfile(s: string): boolean {
  return Object.prototype.hasOwnProperty.call(PROFILE_DEFS, s);
}
