/**
 * Profiles and ablations. A profile is the protocol variant (`pp` baseline of PROTOCOL.md, `pcc`
 * later); an ablation switches exactly one defence off, so that its mutant can be killed.
 */
export const PROFILES = ['pp'] as const;
export type ProfileName = (typeof PROFILES)[number];

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
  'padding': 'client does not pad requests to a size bucket (step 5)',
  'response-binding': 'client does not check that the response belongs to its request (step 9)',
  'state-erasure': 'enclave does not erase request state after responding (step 8)',
  'relay': 'client talks to the gateway directly, without the relay (step 6)',
  'measured-config': 'enclave accepts configuration from the host that the measurement does not cover',
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
