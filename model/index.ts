/** The model's public facade (`private-processing-harness/model`): machines, invariants, profiles. */
export { INVARIANT_IDS, isInvariantId, type InvariantId } from './invariant-ids.js';
export { INVARIANTS, type Invariant, type Verdict, type ProofEvent } from './invariants/index.js';
export { ABLATIONS, ABLATION_NAMES, PROFILES, defencesFor, type Ablation } from './profile.js';
export type { Intent, EvidenceChecks } from './intents.js';
export type { WorldView } from './world-view.js';
export { clientMachine } from './machines/client.js';
export { relayMachine } from './machines/relay.js';
export { gatewayMachine } from './machines/gateway.js';
export { hostMachine } from './machines/host.js';
export { enclaveMachine } from './machines/enclave.js';
export { issuerMachine } from './machines/issuer.js';
export { logMachine } from './machines/log.js';
